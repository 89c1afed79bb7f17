import type { ExecutorId } from "../../storage/executor-types.js";
import type { ExecutorAdapter } from "./adapter.js";

/**
 * What the gateway knows about one coding-agent CLI, as plain data and pure functions: where its binary,
 * credentials and configuration live. The Node probe (`probe.ts`) turns a descriptor into an ExecutorInfo
 * by looking at the disk, and its adapter drives a run, so adding an executor is adding a file to
 * `adapters/` and one line in `index.ts`; the rest of this folder is the helpers those files share.
 */
export interface ExecutorDescriptor {
  readonly id: ExecutorId;
  readonly name: string;
  /** Executable names searched on PATH, in order of preference. */
  readonly binaries: readonly string[];
  /** The executor's global configuration directory, relative to HOME. */
  readonly globalConfigDir: string;
  /** Environment variable that, when set, names the global configuration directory instead (CODEX_HOME). */
  readonly globalConfigDirEnv?: string;
  /** Files whose presence means a login; the first one found gives `last_auth_timestamp`. */
  readonly credentialFiles: readonly ConfigLocation[];
  /** Entries relative to a workspace that mark executor configuration there; the first found is reported. */
  readonly workspaceConfigEntries: readonly string[];
  /** Directories whose sub-directories holding a SKILL.md are skills. */
  readonly skillDirs: readonly ConfigLocation[];
  /** Configuration files that declare MCP servers. */
  readonly mcpSources: readonly McpConfigSource[];
  readonly supportsMcp: boolean;
  readonly capabilities: readonly string[];
  readonly features: readonly string[];
  /** How a run drives the CLI headlessly: its command line and its output parser. */
  readonly adapter: ExecutorAdapter;
}

/** What a relative path is anchored to: HOME, the executor's global configuration directory, or the workspace. */
export type PathBase = "home" | "globalConfig" | "workspace";

export interface ConfigLocation {
  readonly base: PathBase;
  readonly path: string;
}

export type ConfigFormat = "json" | "toml";

export interface McpCountContext {
  /** The workspace being probed: absolute, without a trailing slash. */
  readonly workspacePath: string;
}

export interface McpConfigSource extends ConfigLocation {
  readonly format: ConfigFormat;
  /** MCP servers declared in the parsed file; must tolerate any shape (hand-edited files) and never throw. */
  countServers(parsed: unknown, context: McpCountContext): number;
}
