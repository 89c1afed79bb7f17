import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

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
};
