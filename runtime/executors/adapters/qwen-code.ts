import type { ExecutorAdapter } from "../adapter.js";
import { createClaudeStreamParser } from "../claude-stream.js";
import { serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { instructionsOf } from "../prompt-text.js";
import type { ExecutorDescriptor } from "../types.js";
import { geminiApprovalArgs } from "./gemini.js";

/**
 * `qwen [-m model] -o stream-json --include-partial-messages [--append-system-prompt text]
 * [--mcp-config json] [--yolo | --approval-mode mode] [--resume id] --prompt=<prompt>`.
 * A Gemini CLI fork whose stream-json output is Claude Code's format (system/assistant/user/stream_event/
 * result), so it shares Claude's parser; it also takes Claude-style instructions and MCP options.
 * Resuming works only from the session's cwd (sessions are kept per project).
 */
export const qwenCodeAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const args: string[] = [];
    if (spec.model) args.push("-m", spec.model);
    args.push("-o", "stream-json", "--include-partial-messages");
    const instructions = instructionsOf(spec);
    // Appended, so Qwen Code keeps its own system prompt.
    if (instructions) args.push("--append-system-prompt", instructions);
    const servers = convertMcpServers(spec.mcpServers, qwenMcpServer);
    if (servers) args.push("--mcp-config", JSON.stringify({ mcpServers: servers }));
    args.push(...geminiApprovalArgs(spec.permissionMode, "auto-edit"));
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    args.push(`--prompt=${spec.prompt}`);
    return { args };
  },
  createParser: () => createClaudeStreamParser({ inputIncludesCacheRead: true }),
  resumeRequiresSameWorkdir: true,
  usageIsCumulative: true,
};

/** Gemini-style server settings: `httpUrl` for streamable HTTP, `url` for SSE. */
function qwenMcpServer(server: ResolvedMcpServer) {
  if (server.transport === "stdio") return { command: server.command, args: server.args, env: server.env };
  const key = server.transport === "http" ? "httpUrl" : "url";
  return { [key]: server.url, headers: server.headers };
}

/** Qwen Code (`@qwen-code/qwen-code`), a Gemini CLI fork with the same configuration layout. */
export const qwenCode: ExecutorDescriptor = {
  id: "QWEN_CODE",
  name: "Qwen Code",
  binaries: ["qwen"],
  globalConfigDir: ".qwen",
  credentialFiles: [{ base: "home", path: ".qwen/oauth_creds.json" }],
  workspaceConfigEntries: [".qwen"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".qwen/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "settings.json", format: "json", countServers: serversAt("mcpServers") },
    { base: "workspace", path: ".qwen/settings.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
  adapter: qwenCodeAdapter,
};
