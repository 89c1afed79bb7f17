import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type JSONSchema7, jsonSchema } from "ai";
import type { McpServerConfig } from "../../../storage/agents.js";
import { processTree, signalProcesses } from "../../runs/process-tree.js";
import { VERSION } from "../../version.js";
import type { NativeTool } from "../tools/native-tool.js";
import { mcpResultToOutcome } from "./mcp-tool-result.js";
import { createMcpTransport, type McpTransportHandle } from "./mcp-transport.js";

export interface McpConnectOptions {
  workdir: string;
  /** Aborts connecting (the run was stopped). */
  signal: AbortSignal;
  /** Limit for the handshake and for listing tools. */
  timeoutMs: number;
  /** Limit for one tool call (reset by progress notifications). */
  callTimeoutMs: number;
  /** Added to a stdio server's environment (the run's process cookie). */
  env?: Record<string, string | undefined>;
}

/** A tool as the server listed it. */
export interface McpListedTool {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** One connected MCP server: its tools, and `close()` which also ends its process (stdio). */
export class McpConnection {
  private constructor(
    readonly server: string,
    private readonly client: Client,
    private readonly handle: McpTransportHandle,
    readonly tools: McpListedTool[],
  ) {}

  /** Starts (stdio) or reaches (HTTP) the server, runs the handshake and lists its tools. */
  static async connect(
    server: string,
    config: McpServerConfig,
    options: McpConnectOptions,
  ): Promise<McpConnection> {
    const handle = createMcpTransport(server, config, options.workdir, options.env);
    const client = new Client({ name: "viben-gateway", version: VERSION });
    const request = { signal: options.signal, timeout: options.timeoutMs };
    try {
      await client.connect(handle.transport, request);
      const tools: McpListedTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listTools(cursor ? { cursor } : {}, request);
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return new McpConnection(server, client, handle, tools);
    } catch (error) {
      await closeClient(client, handle);
      const stderr = handle.stderrTail().trim();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `MCP server '${server}' failed to start: ${reason}${stderr ? ` (stderr: ${stderr})` : ""}`,
      );
    }
  }

  /** The server's tool as a native tool named `exposedName`. */
  toNativeTool(tool: McpListedTool, exposedName: string, callTimeoutMs: number): NativeTool {
    return {
      name: exposedName,
      description: tool.description ?? `${tool.name} (MCP server ${this.server})`,
      inputSchema: jsonSchema(tool.inputSchema as JSONSchema7),
      execute: async (input, context) => {
        try {
          const result = await this.client.callTool(
            { name: tool.name, arguments: isRecord(input) ? input : {} },
            undefined,
            { signal: context.signal, timeout: callTimeoutMs, resetTimeoutOnProgress: true },
          );
          return mcpResultToOutcome(result);
        } catch (error) {
          return { isError: true, text: `MCP tool '${tool.name}' failed: ${(error as Error).message}` };
        }
      },
    };
  }

  close(): Promise<void> {
    return closeClient(this.client, this.handle);
  }
}

/**
 * Closes the client (the SDK ends a stdio server with stdin EOF, then SIGTERM, then SIGKILL), then kills
 * whatever the server started that outlived it (`npx` wrappers leave the real server as a grandchild).
 */
async function closeClient(client: Client, handle: McpTransportHandle): Promise<void> {
  const pid = handle.pid();
  const tree = pid ? await processTree(pid) : [];
  try {
    await client.close();
  } catch {
    // Closing a half-open transport may fail; the process sweep below still runs.
  }
  if (tree.length > 0) await signalProcesses(tree, "SIGKILL");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
