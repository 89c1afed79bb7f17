import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

/** OpenCode (`opencode-ai`). Servers live under `mcp`; skill folders are named `skill` or `skills`. */
export const opencode: ExecutorDescriptor = {
  id: "OPENCODE",
  name: "OpenCode",
  binaries: ["opencode"],
  globalConfigDir: ".config/opencode",
  credentialFiles: [{ base: "home", path: ".local/share/opencode/auth.json" }],
  workspaceConfigEntries: [".opencode", "opencode.json"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "globalConfig", path: "skill" },
    { base: "workspace", path: ".opencode/skills" },
    { base: "workspace", path: ".opencode/skill" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "opencode.json", format: "json", countServers: serversAt("mcp") },
    { base: "workspace", path: "opencode.json", format: "json", countServers: serversAt("mcp") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
};
