import type { ExecutorAdapter } from "../adapter.js";
import { createClaudeStreamParser } from "../claude-stream.js";
import { serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { promptWithInstructions } from "../prompt-text.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `amp [threads continue <thread id>] --execute <prompt> --stream-json [--dangerously-allow-all]
 * [--mcp-config json]`. The output is Claude Code's stream-json without partial messages, so Claude's
 * parser reads it. Amp picks its models itself (no model option: the agent's model is not passed) and
 * has no option for extra instructions, which go ahead of the prompt. Threads live on Amp's server, so
 * they resume from any directory.
 */
export const ampAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const args = spec.resumeSessionId ? ["threads", "continue", spec.resumeSessionId] : [];
    // The prompt must follow --execute directly: Amp does not take it as a later positional.
    args.push("--execute", promptWithInstructions(spec), "--stream-json");
    if (spec.permissionMode === "bypassPermissions") args.push("--dangerously-allow-all");
    const servers = convertMcpServers(spec.mcpServers, ampMcpServer);
    if (servers) args.push("--mcp-config", JSON.stringify(servers));
    return { args };
  },
  createParser: () => createClaudeStreamParser(),
  resumeRequiresSameWorkdir: false,
};

/** Amp's `--mcp-config` is a map of servers: `{command, args, env}` or `{url, headers}`. */
function ampMcpServer(server: ResolvedMcpServer) {
  if (server.transport === "stdio") return { command: server.command, args: server.args, env: server.env };
  return { url: server.url, headers: server.headers };
}

/** Sourcegraph Amp. Its settings use flat dotted keys, so `amp.mcpServers` is one key, not a path. */
export const amp: ExecutorDescriptor = {
  id: "AMP",
  name: "Amp",
  binaries: ["amp"],
  globalConfigDir: ".config/amp",
  credentialFiles: [{ base: "home", path: ".local/share/amp/secrets.json" }],
  workspaceConfigEntries: [".amp"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".amp/skills" },
  ],
  mcpSources: [
    {
      base: "globalConfig",
      path: "settings.json",
      format: "json",
      countServers: serversAt("amp.mcpServers"),
    },
    {
      base: "workspace",
      path: ".amp/settings.json",
      format: "json",
      countServers: serversAt("amp.mcpServers"),
    },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
  adapter: ampAdapter,
};
