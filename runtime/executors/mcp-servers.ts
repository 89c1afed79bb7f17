import type { McpServerConfig } from "../../storage/agents.js";

export type McpTransport = "stdio" | "http" | "sse";

/** An MCP server with its transport settled: a stdio one has a command, the others a URL. */
export type ResolvedMcpServer =
  | { transport: "stdio"; command: string; args: string[]; env?: Record<string, string> }
  | { transport: "http" | "sse"; url: string; headers?: Record<string, string> };

/** The explicit `type`, else a URL means streamable HTTP and anything else stdio. */
export function mcpTransport(server: McpServerConfig): McpTransport {
  return server.type ?? (server.url ? "http" : "stdio");
}

export function resolveMcpServer(server: McpServerConfig): ResolvedMcpServer | undefined {
  const transport = mcpTransport(server);
  if (transport === "stdio") {
    if (!server.command) return undefined;
    const resolved: ResolvedMcpServer = { transport, command: server.command, args: server.args ?? [] };
    if (server.env && Object.keys(server.env).length > 0) resolved.env = server.env;
    return resolved;
  }
  if (!server.url) return undefined;
  const resolved: ResolvedMcpServer = { transport, url: server.url };
  if (server.headers && Object.keys(server.headers).length > 0) resolved.headers = server.headers;
  return resolved;
}

/**
 * The agent's MCP servers in a CLI's own shape, or undefined when there are none. Servers missing their
 * command or URL are left out rather than handed to the CLI, which would reject the whole set.
 */
export function convertMcpServers<T>(
  servers: Record<string, McpServerConfig> | undefined,
  convert: (server: ResolvedMcpServer) => T,
): Record<string, T> | undefined {
  const converted: Record<string, T> = {};
  for (const [name, server] of Object.entries(servers ?? {})) {
    const resolved = resolveMcpServer(server);
    if (resolved) converted[name] = convert(resolved);
  }
  return Object.keys(converted).length > 0 ? converted : undefined;
}
