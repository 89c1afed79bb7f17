import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

/** Gemini CLI (`@google/gemini-cli`). */
export const gemini: ExecutorDescriptor = {
  id: "GEMINI",
  name: "Gemini CLI",
  binaries: ["gemini"],
  globalConfigDir: ".gemini",
  credentialFiles: [{ base: "home", path: ".gemini/oauth_creds.json" }],
  workspaceConfigEntries: [".gemini"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".gemini/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "settings.json", format: "json", countServers: serversAt("mcpServers") },
    {
      base: "workspace",
      path: ".gemini/settings.json",
      format: "json",
      countServers: serversAt("mcpServers"),
    },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
};
