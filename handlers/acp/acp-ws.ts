import type { WSEvents } from "hono/ws";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import type { AcpConnectionContext } from "./gateway-agent.js";

const ACP_DESCRIPTION = [
  "The Agent Client Protocol (https://agentclientprotocol.com, protocol version 1): JSON-RPC 2.0, one message",
  "per text frame (or several, newline-separated). Methods: `initialize`, `session/new` (`cwd` is the run's",
  "workdir; the agent is `_meta.agent_id`, else `?agent_id=`, else the default agent; operator),",
  "`session/load` (replays the stored transcript as `session/update`), `session/list`, `session/prompt`",
  "(one run of the session's agent; streams `session/update` agent_message_chunk, tool_call, tool_call_update",
  "and plan; answers `stopReason`; operator), `session/cancel` and `session/close`. An ACP session is a",
  "gateway session (/api/sessions). Text that is not JSON gets a JSON-RPC parse error (-32700); gateway",
  "failures carry the REST error code in `error.data.code`.",
].join(" ");

const acpWsRoute = defineRoute("viewer", {
  method: "get",
  path: "/",
  operationId: "connectAgentAcp",
  tags: ["WebSocket"],
  summary: "Drive agents over the Agent Client Protocol (JSON-RPC over WebSocket)",
  description: ACP_DESCRIPTION,
  request: {
    ...webSocketHandshake,
    query: webSocketHandshake.query.extend({
      agent_id: idSchema.optional().openapi({ description: "The agent for sessions that name none" }),
    }),
  },
  responses: {
    ...switchingProtocols("JSON-RPC messages as described above."),
    ...errorResponses(400, 426, 501),
  },
});

/** /ws/agent/acp: the gateway's agents as one ACP agent, where the runtime can upgrade (501 elsewhere). */
export const acpWsRouter = createDocumentedRouter(acpWsRoute).get("/", async (c, next) => {
  const services = c.get("services");
  const upgradeWebSocket = requireCapability(services, "upgradeWebSocket");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
  }
  const agentId = c.req.query("agent_id");
  if (agentId !== undefined && !idSchema.safeParse(agentId).success) {
    throw new ApiError(400, "VALIDATION_ERROR", "agent_id: not a valid agent id", { field: "agent_id" });
  }
  const context: AcpConnectionContext = {
    services,
    role: c.get("role"),
    keyName: c.get("keyName"),
    workdirRoots: c.get("gatewayConfig").workdirRoots,
    ...(agentId ? { agentId } : {}),
  };
  // The ACP SDK loads with the first ACP connection, not at start-up.
  const { openConnection } = await import("./acp-connection.js");
  return upgradeWebSocket((): WSEvents => {
    let connection: ReturnType<typeof openConnection> | undefined;
    return {
      onOpen: (_event, ws) => {
        connection = openConnection(ws, context);
      },
      onMessage: (event, ws) => {
        connection ??= openConnection(ws, context);
        connection.receive(event.data);
      },
      onClose: () => connection?.close(),
      onError: () => connection?.close(),
    };
  })(c, next);
});
