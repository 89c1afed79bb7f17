import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { DelegationRecord } from "../../handlers/capabilities/delegation.js";
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
