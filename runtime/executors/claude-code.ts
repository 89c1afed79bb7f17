import { countEntries, serversAt, valueAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

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
};
