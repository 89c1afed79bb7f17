import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { McpServerConfig } from "../../../storage/agents.js";

/** A transport for one configured server, and (stdio) the child process's stderr tail for error reports. */
export interface McpTransportHandle {
  transport: Transport;
  /** The server process (stdio only, once started). */
  pid(): number | null;
  stderrTail(): string;
}

const STDERR_TAIL_CHARS = 2000;

/** The SDK takes string values only; undefined means "not set", so it is dropped. */
function definedOnly(env: Record<string, string | undefined>): Record<string, string> | undefined {
  const entries = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/**
 * `{command, args, env}` (or type stdio) → a child process speaking stdio, started in the run's workdir;
 * `{url, headers}` (type http, or no type) → streamable HTTP; type sse → the legacy SSE transport.
 */
export function createMcpTransport(
  name: string,
  config: McpServerConfig,
  workdir: string,
  extraEnv: Record<string, string | undefined> = {},
): McpTransportHandle {
  const type = config.type ?? (config.command ? "stdio" : "http");
  if (type === "stdio") {
    if (!config.command) throw new Error(`MCP server '${name}': stdio needs a command`);
    // The SDK passes a safe subset of the gateway's environment (PATH, HOME...) plus the configured env.
    const transport = new StdioClientTransport({
      command: config.command,
      args: config.args ?? [],
      env: definedOnly({ ...config.env, ...extraEnv }),
      cwd: workdir,
      stderr: "pipe",
    });
    let tail = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-STDERR_TAIL_CHARS);
    });
    return { transport, pid: () => transport.pid, stderrTail: () => tail };
  }
  if (!config.url) throw new Error(`MCP server '${name}': ${type} needs a url`);
  let url: URL;
  try {
    url = new URL(config.url);
  } catch {
    throw new Error(`MCP server '${name}': invalid url`);
  }
  const requestInit = config.headers ? { headers: config.headers } : undefined;
  const transport =
    type === "sse"
      ? new SSEClientTransport(url, { requestInit })
      : new StreamableHTTPClientTransport(url, { requestInit });
  return { transport, pid: () => null, stderrTail: () => "" };
}
