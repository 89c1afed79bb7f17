import { DomainError } from "../errors.js";
import type { GatewayConfigSource } from "../gateway-config.js";
import type { Scopes } from "../scopes.js";
import { normalizeAbsolutePath, pathProblem } from "./paths.js";

/*
 * Rules both handlers/ and runtime/ need (which directories a client may name) live here, below both:
 * DESIGN.md fixes the top-level folders, and storage/ is the one layer both may import. They take what
 * they use as explicit dependencies and throw the domain error, never an HTTP one.
 */

/** What the directory rules ask of the filesystem (the runtime's path probe answers it). */
export interface DirectoryProbe {
  /** Whether an absolute path names an existing directory. */
  isDirectory(path: string): Promise<boolean>;
  /** The path with symbolic links resolved (the path itself where that is not possible). */
  realpath(path: string): Promise<string>;
  /** The kernel or device filesystem a directory lies on (procfs, sysfs, /dev…), or undefined. */
  specialFilesystem(path: string): Promise<string | undefined>;
}

/** The dependencies of the directory rules: the home directory (the default root) and the probe. */
export interface DirectoryDeps {
  scopes: Pick<Scopes, "home">;
  paths: DirectoryProbe;
}

const refuse = (code: string, message: string, details: Record<string, unknown>) =>
  new DomainError("validation", code, message, details);

/** The gateway.yaml setting that lists the allowed roots; refusals name it so users know what to widen. */
export const ROOTS_SETTING = "workdir_roots";

/** Request fields that name a directory, each with its own error codes. */
export type DirectoryField = "workdir" | "cwd" | "workspace_path" | "base_path" | "template_workspace_path";

const CODES: Record<DirectoryField, { invalid: string; notFound: string; notAllowed: string }> = {
  workdir: { invalid: "INVALID_WORKDIR", notFound: "WORKDIR_NOT_FOUND", notAllowed: "WORKDIR_NOT_ALLOWED" },
  cwd: { invalid: "INVALID_CWD", notFound: "CWD_NOT_FOUND", notAllowed: "CWD_NOT_ALLOWED" },
  workspace_path: {
    invalid: "INVALID_WORKSPACE_PATH",
    notFound: "WORKSPACE_NOT_FOUND",
    notAllowed: "WORKSPACE_NOT_ALLOWED",
  },
  base_path: {
    invalid: "INVALID_WORKSPACE_PATH",
    notFound: "WORKSPACE_NOT_FOUND",
    notAllowed: "WORKSPACE_NOT_ALLOWED",
  },
  template_workspace_path: {
    invalid: "INVALID_WORKSPACE_PATH",
    notFound: "WORKSPACE_NOT_FOUND",
    notAllowed: "WORKSPACE_NOT_ALLOWED",
  },
};

/** Whether `path` is `root` or lies below it (both absolute and normalised, or both resolved). */
export function isWithin(path: string, root: string): boolean {
  const base = root.endsWith("/") ? root : `${root}/`;
  return path === root || path.startsWith(base);
}

/** gateway.yaml `workdir_roots`, else the home directory: where workdirs, terminals and workspaces may be. */
export function gatewayRoots(
  services: Pick<DirectoryDeps, "scopes">,
  configured: string[] | undefined,
): string[] {
  return configured && configured.length > 0 ? configured : [services.scopes.home];
}

/** `workdir_roots` as in force now (for helpers that are not handed the request's configuration). */
export async function currentGatewayRoots(
  services: Pick<DirectoryDeps, "scopes"> & { gatewayConfig: GatewayConfigSource },
): Promise<string[]> {
  const config = services.gatewayConfig.peek() ?? (await services.gatewayConfig.get());
  return gatewayRoots(services, config.workdirRoots);
}

export interface DirectoryRule {
  /** The request field, named in every refusal. */
  field: DirectoryField;
  /** The gateway's allowed roots (see gatewayRoots). */
  roots: string[];
  /** A narrower list the directory must lie in as well (an agent's workdirs or workspace), and whose. */
  narrowedBy?: { dirs: string[]; owner: string };
}

/** `dirs` with their links resolved, side by side (each is a trip to the filesystem). */
function resolvedAll(services: DirectoryDeps, dirs: string[]): Promise<string[]> {
  return Promise.all(dirs.map((dir) => services.paths.realpath(normalizeAbsolutePath(dir))));
}

/**
 * A directory a client asks to use (a run's workdir, a terminal's cwd, a workspace): absolute, existing,
 * on an ordinary filesystem (not procfs, sysfs, /dev…), and, `..` and symbolic links resolved, inside
 * one of the gateway's roots and inside the narrower list when there is one (it may only narrow, never
 * widen). Returns the normalised path. Errors name the field: `INVALID_…`, `…_NOT_FOUND`,
 * `UNSUPPORTED_FILESYSTEM`, `…_NOT_ALLOWED` (with the roots, and the setting that widens them).
 */
export async function resolveAllowedDirectory(
  services: DirectoryDeps,
  raw: string,
  rule: DirectoryRule,
): Promise<string> {
  const { field, roots, narrowedBy } = rule;
  const codes = CODES[field];
  const problem = pathProblem(raw);
  if (problem) throw refuse(codes.invalid, `${field}: ${problem}`, { field, value: raw });
  const dir = normalizeAbsolutePath(raw);
  // Asked side by side: a run's start waits for this, and each answer is a trip to the filesystem.
  // The filesystem is asked of the path as given too: where it has no links (the usual case) that is the
  // answer, with no second trip after the realpath.
  const [isDirectory, real, realRoots, realNarrowed, filesystemAsGiven] = await Promise.all([
    services.paths.isDirectory(dir),
    services.paths.realpath(dir),
    resolvedAll(services, roots),
    resolvedAll(services, narrowedBy?.dirs ?? []),
    services.paths.specialFilesystem(dir),
  ]);
  if (!isDirectory) {
    throw refuse(codes.notFound, `${field}: directory does not exist: ${dir}`, { field, value: raw });
  }
  const filesystem = real === dir ? filesystemAsGiven : await services.paths.specialFilesystem(real);
  if (filesystem) {
    throw refuse(
      "UNSUPPORTED_FILESYSTEM",
      `${field}: ${dir} lies on ${filesystem}, not an ordinary filesystem; use an ordinary directory`,
      { field, value: raw, filesystem },
    );
  }
  if (!realRoots.some((root) => isWithin(real, root))) {
    throw refuse(
      codes.notAllowed,
      `${field}: ${dir} is outside the allowed roots (${roots.join(", ")}); ` +
        `add it or a parent to ${ROOTS_SETTING} in gateway.yaml to allow it`,
      { field, value: raw, allowed: roots, setting: ROOTS_SETTING },
    );
  }
  if (narrowedBy && !realNarrowed.some((allowed) => isWithin(real, allowed))) {
    throw refuse(
      codes.notAllowed,
      `${field}: ${dir} is outside what ${narrowedBy.owner} may use (${narrowedBy.dirs.join(", ")})`,
      { field, value: raw, allowed: narrowedBy.dirs },
    );
  }
  return dir;
}
