import type { Scope } from "../../storage/scopes.js";
import type { Services } from "../context.js";
import { badRequest } from "../errors.js";
import { normalizeAbsolutePath, pathProblem } from "./paths.js";

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
 */
export async function resolveWorkspace(
  services: Services,
  query: { workspace_path?: string | undefined; include_global?: boolean | undefined },
  field = "workspace_path",
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

export async function resolveWorkspacePath(
  services: Services,
  raw: string | undefined,
  field = "workspace_path",
): Promise<string> {
  if (raw === undefined) return services.scopes.home;
  const problem = pathProblem(raw);
  if (problem) throw badRequest("INVALID_WORKSPACE_PATH", `${field}: ${problem}`, { field, value: raw });
  const path = normalizeAbsolutePath(raw);
  if (!(await services.paths.isDirectory(path))) {
    throw badRequest("WORKSPACE_NOT_FOUND", `${field}: directory does not exist: ${path}`, {
      field,
      value: raw,
    });
  }
  return path;
}
