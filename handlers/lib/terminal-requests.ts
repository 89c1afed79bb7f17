import type { Context } from "hono";
import type { TerminalService } from "../capabilities.js";
import type { AppEnv, Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { normalizeAbsolutePath, pathProblem } from "./paths.js";

/** The terminal capability, or 501 where the runtime has no PTYs (Workers). */
export function requireTerminals(services: Services): TerminalService {
  if (!services.terminals) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `terminals are not available on ${services.runtime}`,
      { runtime: services.runtime },
    );
  }
  return services.terminals;
}

/** Whom the per-client terminal limit counts: the API key's name, or the remote address without keys. */
export function terminalClient(c: Context<AppEnv>): string {
  const keyName = c.get("keyName");
  if (keyName) return `key:${keyName}`;
  return `addr:${c.get("services").remoteAddress?.(c) ?? "local"}`;
}

function isWithin(path: string, root: string): boolean {
  const base = root.endsWith("/") ? root : `${root}/`;
  return path === root || path.startsWith(base);
}

/**
 * A terminal's working directory, under the same rules as a run's workdir: absolute, existing, and
 * (symbolic links resolved) inside the home directory or gateway.yaml `workdir_roots`.
 */
export async function resolveTerminalCwd(
  services: Services,
  raw: string | undefined,
  configuredRoots: string[] | undefined,
): Promise<string> {
  const roots = configuredRoots && configuredRoots.length > 0 ? configuredRoots : [services.scopes.home];
  if (raw === undefined) return normalizeAbsolutePath(roots[0]!);
  const problem = pathProblem(raw);
  if (problem) throw badRequest("INVALID_CWD", `cwd: ${problem}`, { field: "cwd", value: raw });
  const cwd = normalizeAbsolutePath(raw);
  if (!(await services.paths.isDirectory(cwd))) {
    throw badRequest("CWD_NOT_FOUND", `cwd: directory does not exist: ${cwd}`, { field: "cwd" });
  }
  const real = await services.paths.realpath(cwd);
  for (const root of roots) {
    if (isWithin(real, await services.paths.realpath(normalizeAbsolutePath(root)))) return cwd;
  }
  throw badRequest("CWD_NOT_ALLOWED", `cwd: ${cwd} is outside the allowed roots (${roots.join(", ")})`, {
    field: "cwd",
    allowed: roots,
  });
}
