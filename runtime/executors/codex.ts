import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

/** OpenAI Codex CLI (`@openai/codex`). CODEX_HOME moves its whole directory, credentials included. */
export const codex: ExecutorDescriptor = {
  id: "CODEX",
  name: "Codex",
  binaries: ["codex"],
  globalConfigDir: ".codex",
  globalConfigDirEnv: "CODEX_HOME",
  credentialFiles: [{ base: "globalConfig", path: "auth.json" }],
  workspaceConfigEntries: [".codex"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".codex/skills" },
  ],
  mcpSources: [
    // `[mcp_servers.<name>]` tables.
    { base: "globalConfig", path: "config.toml", format: "toml", countServers: serversAt("mcp_servers") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork", "SetupHelper"],
  features: CODING_AGENT_FEATURES,
};
