import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { DelegationRecord } from "../../handlers/capabilities/delegation.js";
import type { MemoryService } from "../../handlers/capabilities/memory.js";
import {
  MEMORY_ADD_DESCRIPTION,
  MEMORY_SEARCH_DESCRIPTION,
  MemoryAddShape,
  MemorySearchShape,
  memoryActions,
} from "../memory/memory-tools.js";
import type { RunBinding } from "../runs/run-extensions.js";
import {
  DELEGATE_TOOL_DESCRIPTION,
  type DelegateToolInput,
  DelegateToolShape,
  delegationText,
} from "./delegate-tool.js";

export interface McpEndpointDeps {
  version: string;
  /** The live run a token belongs to. */
  find(token: string): RunBinding | undefined;
  delegate(run: RunBinding, input: DelegateToolInput): Promise<DelegationRecord>;
  /** Which of the gateway's tools the run's agent has (delegation, memory). */
  toolsOf?(run: RunBinding): { delegate: boolean; memory?: MemoryService };
}

/**
 * One request to the gateway's MCP endpoint (streamable HTTP, stateless: a server per request, JSON
 * answers). The bearer token is the calling run's; without a live one the answer is 401 in our envelope.
 */
export async function handleGatewayMcp(request: Request, deps: McpEndpointDeps): Promise<Response> {
  const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const run = token ? deps.find(token) : undefined;
  if (!run) {
    return Response.json(
      {
        error:
          "the MCP endpoint takes the bearer token of a live run (the gateway passes it to the run's executor)",
        code: "MCP_TOKEN_INVALID",
        details: {},
      },
      { status: 401, headers: { "www-authenticate": "Bearer" } },
    );
  }
  const server = new McpServer({ name: "viben-gateway", version: deps.version });
  const tools = deps.toolsOf?.(run) ?? { delegate: true };
  if (tools.memory) registerMemoryTools(server, memoryActions(tools.memory, run));
  if (tools.delegate)
    server.registerTool(
      "delegate",
      { description: DELEGATE_TOOL_DESCRIPTION, inputSchema: DelegateToolShape },
      async (input) => {
        try {
          const { text, isError } = delegationText(await deps.delegate(run, input));
          return { content: [{ type: "text", text }], isError };
        } catch (error) {
          // A refusal (depth, budget, unknown agent) is the model's to read, not a protocol failure.
          return { content: [{ type: "text", text: (error as Error).message }], isError: true };
        }
      },
    );
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await server.close();
  }
}

/** `memory_search` and `memory_add`, on the calling run's own agent's memory. */
function registerMemoryTools(server: McpServer, actions: ReturnType<typeof memoryActions>): void {
  const answer = async (work: () => Promise<string>) => {
    try {
      return { content: [{ type: "text" as const, text: await work() }] };
    } catch (error) {
      return { content: [{ type: "text" as const, text: (error as Error).message }], isError: true };
    }
  };
  server.registerTool(
    "memory_search",
    { description: MEMORY_SEARCH_DESCRIPTION, inputSchema: MemorySearchShape },
    (input) => answer(() => actions.search(input)),
  );
  server.registerTool(
    "memory_add",
    { description: MEMORY_ADD_DESCRIPTION, inputSchema: MemoryAddShape },
    (input) => answer(() => actions.add(input)),
  );
}
