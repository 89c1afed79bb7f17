/*
 * The workspace registry (`~/.viben/workspaces.yaml`): named projects an admin registers (name, absolute
 * path, env). A registered path counts as an allowed root for workspace data and run workdirs (see
 * gateway-config.ts), and a registered name may stand wherever a `workspace_path` is accepted (see
 * rules/workspace.ts). Removing an entry narrows the roots again.
 */
import { conflict, DomainError, invalid, notFound } from "./errors.js";
import { idProblem } from "./ids.js";
import { normalizeAbsolutePath, pathProblem } from "./rules/paths.js";
import { REDACTED } from "./rules/redact.js";
import type { Scope } from "./scopes.js";

export const WORKSPACES_KEY = "workspaces.yaml";
/** The home directory's workspace as the original Viben lists it; never a registered name. */
export const RESERVED_NAME = "global";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_ENV_ENTRIES = 200;
const MAX_ENV_VALUE = 16_384;

export interface RegisteredWorkspace {
  name: string;
  /** Absolute and normalised, as registered (symbolic links are resolved when roots are checked). */
  path: string;
  /** As written (`${VAR}` references recommended for secrets); never answered unredacted. */
  env: Record<string, string>;
  created_at?: string;
  updated_at?: string;
}

/** A workspace name is a URL segment and a map key, and must not look like a path. */
export function workspaceNameProblem(name: unknown): string | undefined {
  return idProblem(name);
}

function checkEnv(env: unknown): Record<string, string> {
  if (env === undefined || env === null) return {};
  if (typeof env !== "object" || Array.isArray(env)) throw invalid("env", "must be an object of strings");
  const entries = Object.entries(env as Record<string, unknown>);
  if (entries.length > MAX_ENV_ENTRIES) throw invalid("env", `must have at most ${MAX_ENV_ENTRIES} entries`);
  for (const [key, value] of entries) {
    if (!ENV_NAME.test(key)) throw invalid(`env.${key}`, "must be an environment variable name");
    if (typeof value !== "string") throw invalid(`env.${key}`, "must be a string");
    if (value.length > MAX_ENV_VALUE)
      throw invalid(`env.${key}`, `must be at most ${MAX_ENV_VALUE} characters`);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/** One stored entry, or undefined when a hand edit broke it (it then widens nothing). */
function parseEntry(name: string, value: unknown): RegisteredWorkspace | undefined {
  if (workspaceNameProblem(name) || !value || typeof value !== "object") return undefined;
  const entry = value as Record<string, unknown>;
  if (typeof entry.path !== "string" || pathProblem(entry.path)) return undefined;
  const env =
    entry.env && typeof entry.env === "object" && !Array.isArray(entry.env)
      ? Object.fromEntries(
          Object.entries(entry.env as Record<string, unknown>).filter(
            (e): e is [string, string] => typeof e[1] === "string",
          ),
        )
      : {};
  return {
    name,
    path: normalizeAbsolutePath(entry.path),
    env,
    ...(typeof entry.created_at === "string" ? { created_at: entry.created_at } : {}),
    ...(typeof entry.updated_at === "string" ? { updated_at: entry.updated_at } : {}),
  };
}

/** The registered workspaces in file order (entries a hand edit broke are left out). */
export async function readRegisteredWorkspaces(scope: Scope): Promise<RegisteredWorkspace[]> {
  const stored = await scope.store.read(WORKSPACES_KEY);
  const map = stored?.data.workspaces;
  if (!map || typeof map !== "object" || Array.isArray(map)) return [];
  return Object.entries(map as Record<string, unknown>).flatMap(([name, value]) => {
    const entry = parseEntry(name, value);
    return entry ? [entry] : [];
  });
}

/** The path registered under `name`, if any (no I/O past the cached document read). */
export async function registeredWorkspacePath(scope: Scope, name: string): Promise<string | undefined> {
  if (workspaceNameProblem(name)) return undefined;
  return (await readRegisteredWorkspaces(scope)).find((w) => w.name === name)?.path;
}

/** What registration asks of the filesystem (rules/allowed-directory.ts's DirectoryProbe answers it). */
interface PathProbe {
  isDirectory(path: string): Promise<boolean>;
  realpath(path: string): Promise<string>;
  specialFilesystem(path: string): Promise<string | undefined>;
}

export interface RegisterInput {
  name: unknown;
  path?: unknown;
  env?: unknown;
}

/** Register, read and remove entries; edits go onto the parsed YAML, so hand-written keys and comments stay. */
export class WorkspaceRegistry {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date = () => new Date(),
  ) {}

  list(): Promise<RegisteredWorkspace[]> {
    return readRegisteredWorkspaces(this.scope);
  }

  async get(name: string): Promise<RegisteredWorkspace> {
    const found = (await this.list()).find((w) => w.name === name);
    if (!found) throw workspaceNotFound(name);
    return found;
  }

  /**
   * Registers a directory: absolute, existing, on an ordinary filesystem and not the filesystem root
   * (which would allow everything). Refused when the name is taken.
   */
  async register(input: RegisterInput, probe: PathProbe): Promise<RegisteredWorkspace> {
    const nameProblem = workspaceNameProblem(input.name);
    if (nameProblem) throw invalid("name", nameProblem, { value: input.name });
    const name = input.name as string;
    if (name === RESERVED_NAME) {
      throw conflict(
        "WORKSPACE_EXISTS",
        `'${RESERVED_NAME}' is the home directory's workspace; choose another name`,
        {
          name,
        },
      );
    }
    const path = await checkedPath(input.path, probe);
    const env = checkEnv(input.env);
    const at = this.now().toISOString();
    await this.scope.store.update(WORKSPACES_KEY, (doc) => {
      const current = doc ?? this.scope.store.emptyDocument();
      if (current.hasIn(["workspaces", name])) {
        throw conflict("WORKSPACE_EXISTS", `workspace '${name}' is already registered`, { name });
      }
      if (!current.has("workspaces")) current.set("workspaces", current.createNode({}));
      current.setIn(
        ["workspaces", name],
        current.createNode({
          path,
          ...(Object.keys(env).length > 0 ? { env } : {}),
          created_at: at,
          updated_at: at,
        }),
      );
      return current;
    });
    return { name, path, env, created_at: at, updated_at: at };
  }

  /**
   * Changes a registered workspace's path and/or environment (the environment is replaced; a `***` value
   * keeps the stored secret, so a redacted answer can be sent back edited). The name stays.
   */
  async update(name: string, input: { path?: unknown; env?: unknown }, probe: PathProbe) {
    const current = await this.get(name);
    const path = input.path === undefined ? current.path : await checkedPath(input.path, probe);
    const env =
      input.env === undefined
        ? current.env
        : Object.fromEntries(
            Object.entries(checkEnv(input.env)).map(([k, v]) => [
              k,
              v === REDACTED ? (current.env[k] ?? v) : v,
            ]),
          );
    const at = this.now().toISOString();
    await this.scope.store.update(WORKSPACES_KEY, (doc) => {
      if (!doc?.hasIn(["workspaces", name])) throw workspaceNotFound(name);
      doc.setIn(["workspaces", name, "path"], path);
      if (Object.keys(env).length > 0) doc.setIn(["workspaces", name, "env"], doc.createNode(env));
      else doc.deleteIn(["workspaces", name, "env"]);
      doc.setIn(["workspaces", name, "updated_at"], at);
      return doc;
    });
    return { ...current, path, env, updated_at: at };
  }

  /** Removes an entry (the directory itself is left alone); false when there was none. */
  async remove(name: string): Promise<boolean> {
    let found = false;
    await this.scope.store.update(WORKSPACES_KEY, (doc) => {
      if (!doc?.hasIn(["workspaces", name])) return null;
      found = true;
      doc.deleteIn(["workspaces", name]);
      return doc;
    });
    return found;
  }
}

/**
 * A directory that may be registered: absolute, existing, on an ordinary filesystem and not the filesystem
 * root (which would allow everything).
 */
async function checkedPath(raw: unknown, probe: PathProbe): Promise<string> {
  if (typeof raw !== "string") throw invalid("path", "is required (an absolute directory path)");
  const problem = pathProblem(raw);
  if (problem)
    throw new DomainError("validation", "INVALID_WORKSPACE_PATH", `path: ${problem}`, { field: "path" });
  const path = normalizeAbsolutePath(raw);
  if (path === "/") {
    throw new DomainError(
      "validation",
      "INVALID_WORKSPACE_PATH",
      "path: the filesystem root cannot be registered",
      {
        field: "path",
      },
    );
  }
  if (!(await probe.isDirectory(path))) {
    throw new DomainError("validation", "WORKSPACE_NOT_FOUND", `path: directory does not exist: ${path}`, {
      field: "path",
      value: raw,
    });
  }
  const filesystem = await probe.specialFilesystem(await probe.realpath(path));
  if (filesystem) {
    throw new DomainError(
      "validation",
      "UNSUPPORTED_FILESYSTEM",
      `path: ${path} lies on ${filesystem}, not an ordinary filesystem; use an ordinary directory`,
      { field: "path", filesystem },
    );
  }
  return path;
}

export function workspaceNotFound(name: string): DomainError {
  return notFound("WORKSPACE_NOT_FOUND", `workspace '${name}' is not registered`, { name });
}
