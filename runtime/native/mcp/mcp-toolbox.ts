import type { McpServerConfig } from "../../../storage/agents.js";
import type { NativeTool } from "../tools/native-tool.js";
import { McpConnection, type McpConnectOptions } from "./mcp-connection.js";
import { mcpToolName } from "./mcp-tool-names.js";

/** The tools of a run's MCP servers; `close()` ends every connection (and server process). */
export interface McpToolbox {
  tools: NativeTool[];
  close(): Promise<void>;
}

/**
 * Connects to every configured server at once. A server that fails (bad command, handshake timeout,
 * unreachable URL) is reported through `onError` and skipped: the run goes on with the others.
 */
export async function openMcpToolbox(
  servers: Record<string, McpServerConfig>,
  options: McpConnectOptions & { onError: (message: string) => void },
): Promise<McpToolbox> {
  const settled = await Promise.allSettled(
    Object.entries(servers).map(([name, config]) => McpConnection.connect(name, config, options)),
  );
  const connections: McpConnection[] = [];
  for (const outcome of settled) {
    if (outcome.status === "fulfilled") connections.push(outcome.value);
    else if (!options.signal.aborted) options.onError((outcome.reason as Error).message);
  }
  const tools: NativeTool[] = [];
  const taken = new Set<string>();
  for (const connection of connections) {
    for (const tool of connection.tools) {
      const name = mcpToolName(connection.server, tool.name);
      if (taken.has(name)) {
        options.onError(
          `MCP server '${connection.server}': tool '${tool.name}' skipped, its name clashes as ${name}`,
        );
        continue;
      }
      taken.add(name);
      tools.push(connection.toNativeTool(tool, name, options.callTimeoutMs));
    }
  }
  return {
    tools,
    close: async () => {
      await Promise.all(connections.map((connection) => connection.close()));
    },
  };
}
