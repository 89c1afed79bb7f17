import type { ExecutorAdapter, RunSpec } from "../adapter.js";
import { claudeControlProtocol } from "../claude-control.js";
import { createClaudeStreamParser } from "../claude-stream.js";
import { countEntries, serversAt, valueAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { instructionsOf } from "../prompt-text.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `claude -p --output-format stream-json --verbose --include-partial-messages [--model m]
 * [--append-system-prompt text] [--mcp-config json] [--permission-mode mode] [--resume id] -- <prompt>`.
 * Interactive runs drop the prompt and add `--input-format stream-json --permission-prompt-tool stdio`.
 * One process per run; partial messages give live deltas. Resuming works only from the session's cwd.
 */
export const claudeCodeAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    // -p takes no value; after `--` a prompt starting with "-" is not taken for an option.
    return { args: [...claudeOptions(spec), "--", spec.prompt] };
  },
  createParser: () => createClaudeStreamParser(),
  resumeRequiresSameWorkdir: true,
  forkSession: true,
  // The same options with stdin kept open for turns, interrupts and permission answers.
  interactive: () => claudeControlProtocol((spec) => ({ args: claudeOptions(spec) })),
};

function claudeOptions(spec: RunSpec): string[] {
  const args = ["-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages"];
  if (spec.model) args.push("--model", spec.model);
  const instructions = instructionsOf(spec);
  // Appended, so Claude Code keeps its own system prompt (tools, environment, conventions).
  if (instructions) args.push("--append-system-prompt", instructions);
  const servers = convertMcpServers(spec.mcpServers, claudeMcpServer);
  if (servers) args.push("--mcp-config", JSON.stringify({ mcpServers: servers }));
  // `mcp__<server>` allows every tool of that server without a permission prompt, whatever the mode.
  const trusted = (spec.trustedMcpServers ?? []).filter((name) => servers?.[name]);
  if (trusted.length > 0) args.push("--allowedTools", trusted.map((name) => `mcp__${name}`).join(","));
  if (spec.permissionMode) args.push("--permission-mode", spec.permissionMode);
  if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
  // A new session id whose conversation starts as a copy of the resumed one (a gateway session fork).
  if (spec.resumeSessionId && spec.forkSession) args.push("--fork-session");
  return args;
}

function claudeMcpServer(server: ResolvedMcpServer) {
  if (server.transport === "stdio") return { command: server.command, args: server.args, env: server.env };
  return { type: server.transport, url: server.url, headers: server.headers };
}

/** Claude Code (`@anthropic-ai/claude-code`). */
export const claudeCode: ExecutorDescriptor = {
  id: "CLAUDE_CODE",
  name: "Claude Code",
  binaries: ["claude"],
  globalConfigDir: ".claude",
  credentialFiles: [{ base: "home", path: ".claude/.credentials.json" }],
  workspaceConfigEntries: [".claude", ".mcp.json"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".claude/skills" },
  ],
  mcpSources: [
    {
      // User-scope servers, plus the local-scope servers Claude keeps per project path in the same file.
      base: "home",
      path: ".claude.json",
      format: "json",
      countServers: (parsed, { workspacePath }) =>
        countEntries(valueAt(parsed, "mcpServers")) +
        countEntries(valueAt(parsed, "projects", workspacePath, "mcpServers")),
    },
    { base: "workspace", path: ".mcp.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork", "ContextUsage"],
  features: CODING_AGENT_FEATURES,
  adapter: claudeCodeAdapter,
};
