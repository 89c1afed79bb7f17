import { join } from "node:path";
import type { ExecutorAvailability, ExecutorInfo } from "../../handlers/capabilities/executors.js";
import type { ExecutorOverride } from "../../storage/executor-overrides.js";
import { resolveExecutorCommand } from "./command-lookup.js";
import { countMcpServers, countSkills } from "./config-counts.js";
import { exists, fileMtimeSeconds, isDirectory } from "./fs-checks.js";
import { type EnvRecord, locateAll, type PathRoots, pathRoots } from "./locations.js";
import type { ExecutorDescriptor } from "./types.js";

export interface ProbeInput {
  readonly home: string;
  /** The environment the executor would run with (PATH, CODEX_HOME, ...). */
  readonly env: EnvRecord;
  /** Absolute, existing workspace; HOME means the global workspace. */
  readonly workspacePath: string;
  /** `~/.viben/executors/<ID>.yaml`, when present. */
  readonly override?: ExecutorOverride | null;
}

/** Looks at the disk to tell whether, where and how an executor is installed and configured. */
export async function probeExecutor(
  descriptor: ExecutorDescriptor,
  input: ProbeInput,
): Promise<ExecutorInfo> {
  const override = input.override ?? null;
  const roots = pathRoots(descriptor, input.home, input.env, input.workspacePath);
  const disabled = override?.disabled === true;
  const [command, credentialMtime, hasGlobalConfig, workspaceConfigPath, mcpServerCount, skillCount] =
    await Promise.all([
      disabled ? undefined : resolveExecutorCommand(descriptor.binaries, override, roots.home, input.env),
      disabled ? null : firstCredentialMtime(descriptor, roots),
      isDirectory(roots.globalConfig),
      findWorkspaceConfig(descriptor, roots),
      countMcpServers(descriptor.mcpSources, roots, roots.workspace ?? roots.home),
      countSkills(descriptor.skillDirs, roots),
    ]);

  const info: ExecutorInfo = {
    id: descriptor.id,
    name: descriptor.name,
    availability: availabilityOf(disabled, credentialMtime, command !== undefined || hasGlobalConfig),
    supports_mcp: descriptor.supportsMcp,
    capabilities: [...descriptor.capabilities],
    features: [...descriptor.features],
    has_workspace_config: workspaceConfigPath !== undefined,
    workspace_path: workspaceConfigPath !== undefined && roots.workspace ? roots.workspace : roots.home,
    global_config_path: roots.globalConfig,
    mcp_server_count: mcpServerCount,
    skill_count: skillCount,
  };
  if (workspaceConfigPath !== undefined) info.workspace_config_path = workspaceConfigPath;
  if (command !== undefined) info.command = command;
  return info;
}

/** A disabled override hides the executor; credentials mean a login; a binary or config dir an install. */
function availabilityOf(
  disabled: boolean,
  credentialMtime: number | null,
  installed: boolean,
): ExecutorAvailability {
  if (disabled) return { type: "NOT_INSTALLED" };
  if (credentialMtime !== null) return { type: "LOGIN_DETECTED", last_auth_timestamp: credentialMtime };
  return { type: installed ? "INSTALLATION_FOUND" : "NOT_INSTALLED" };
}

async function firstCredentialMtime(
  descriptor: ExecutorDescriptor,
  roots: PathRoots,
): Promise<number | null> {
  for (const { path } of locateAll(descriptor.credentialFiles, roots)) {
    const mtime = await fileMtimeSeconds(path);
    if (mtime !== null) return mtime;
  }
  return null;
}

/** The first workspace entry that exists; none when the workspace is HOME (its config is the global one). */
async function findWorkspaceConfig(
  descriptor: ExecutorDescriptor,
  roots: PathRoots,
): Promise<string | undefined> {
  const workspace = roots.workspace;
  if (workspace === undefined) return undefined;
  for (const entry of descriptor.workspaceConfigEntries) {
    const path = join(workspace, entry);
    if (await exists(path)) return path;
  }
  return undefined;
}
