import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

/** Cursor's CLI agent, installed as `cursor-agent` (older) or `agent` (newer). */
export const cursorAgent: ExecutorDescriptor = {
  id: "CURSOR_AGENT",
  name: "Cursor",
  binaries: ["cursor-agent", "agent"],
  globalConfigDir: ".cursor",
  credentialFiles: [{ base: "home", path: ".config/cursor/auth.json" }],
  workspaceConfigEntries: [".cursor"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".cursor/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "mcp.json", format: "json", countServers: serversAt("mcpServers") },
    { base: "workspace", path: ".cursor/mcp.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: ["SetupHelper"],
  features: CODING_AGENT_FEATURES,
};
