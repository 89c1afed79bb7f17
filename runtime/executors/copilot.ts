import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

/** GitHub Copilot CLI (`@github/copilot`). Its config.json records the logged-in users. */
export const copilot: ExecutorDescriptor = {
  id: "COPILOT",
  name: "GitHub Copilot",
  binaries: ["copilot"],
  globalConfigDir: ".copilot",
  credentialFiles: [{ base: "home", path: ".copilot/config.json" }],
  workspaceConfigEntries: [".github/copilot-instructions.md", ".copilot"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".github/skills" },
    { base: "workspace", path: ".copilot/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "mcp-config.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: [],
  features: CODING_AGENT_FEATURES,
};
