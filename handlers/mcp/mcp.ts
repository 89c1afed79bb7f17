import { createRouter } from "../lib/app-factory.js";
import { agentServersRouter } from "./agent-servers.js";
import { executorServersRouter } from "./executor-servers.js";
import { gatewayServersRouter } from "./gateway-servers.js";
import { mcpTestRouter } from "./mcp-test.js";

/** `/api/mcp`: MCP servers of the gateway's scopes, of agents and of executors' own files, and live tests. */
export const mcpManagementRouter = createRouter()
  .route("/", gatewayServersRouter)
  .route("/", agentServersRouter)
  .route("/", executorServersRouter)
  .route("/", mcpTestRouter);
