import { serversAt } from "./config-shapes.js";
import { CODING_AGENT_FEATURES } from "./features.js";
import type { ExecutorDescriptor } from "./types.js";

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
};
