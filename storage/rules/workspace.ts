import type { GatewayConfigSource } from "../gateway-config.js";
import type { Scope, Scopes } from "../scopes.js";
import { registeredWorkspacePath } from "../workspaces.js";
import { currentGatewayRoots, type DirectoryDeps, resolveAllowedDirectory } from "./allowed-directory.js";
import { normalizeAbsolutePath, pathProblem } from "./paths.js";

/** What workspace resolution uses: the scopes, the path probe and gateway.yaml (for `workdir_roots`). */
export interface WorkspaceDeps extends DirectoryDeps {
  scopes: Scopes;
  gatewayConfig: GatewayConfigSource;
}

export interface WorkspaceSelection {
  workspacePath: string;
  includeGlobal: boolean;
  /** The workspace's own scope (the global scope when the workspace is the home directory). */
  scope: Scope;
  /** Scopes to list, workspace first. */
  scopes: Scope[];
}

/**
 * Resolves `workspace_path` / `include_global` as the resource discovery document says: the path must be
 * absolute and exist (400 otherwise) and defaults to the home directory; include_global defaults to true.
 * The path must also be an allowed one (see resolveWorkspacePath).
 */
export async function resolveWorkspace(
  services: WorkspaceDeps,
  query: { workspace_path?: string | undefined; include_global?: boolean | undefined },
  field: "workspace_path" | "base_path" | "template_workspace_path" = "workspace_path",
): Promise<WorkspaceSelection> {
  const workspacePath = await resolveWorkspacePath(services, query.workspace_path, field);
  const includeGlobal = query.include_global ?? true;
  return {
    workspacePath,
    includeGlobal,
    scope: services.scopes.workspace(workspacePath),
    scopes: services.scopes.listingScopes(workspacePath, includeGlobal),
  };
}

/**
 * A workspace path from a client, or the home directory when absent: absolute, existing, on an ordinary
 * filesystem, and (`..` and symbolic links resolved) inside the gateway's `workdir_roots` (default: the
 * home directory), as a run's workdir must be. The home directory itself is the global workspace and is
 * always accepted. A registered workspace's name (workspaces.yaml) stands for its path. Nothing is created
 * or written here.
 */
export async function resolveWorkspacePath(
  services: WorkspaceDeps,
  raw: string | undefined,
  field: "workspace_path" | "base_path" | "template_workspace_path" = "workspace_path",
): Promise<string> {
  if (raw === undefined) return services.scopes.home;
  raw = await registeredNameToPath(services, raw);
  if (!pathProblem(raw) && services.scopes.isGlobalWorkspace(normalizeAbsolutePath(raw))) {
    return services.scopes.home;
  }
  return resolveAllowedDirectory(services, raw, { field, roots: await currentGatewayRoots(services) });
}

/**
 * The one place a registered workspace name becomes its path: anything that is not an absolute path and
 * names a registered workspace. Other values pass through unchanged (and are checked as paths).
 */
export async function registeredNameToPath(
  services: Pick<WorkspaceDeps, "scopes">,
  raw: string,
): Promise<string> {
  if (raw.startsWith("/")) return raw;
  return (await registeredWorkspacePath(services.scopes.global(), raw)) ?? raw;
}
