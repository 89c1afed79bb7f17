import { isAbsolute, join, resolve } from "node:path";
import type { ConfigLocation, ExecutorDescriptor } from "./types.js";

export type EnvRecord = Readonly<Record<string, string | undefined>>;

/** The absolute directories a descriptor's relative locations are anchored to, for one probe. */
export interface PathRoots {
  readonly home: string;
  readonly globalConfig: string;
  /** Absent when the workspace is HOME itself: then it has no configuration of its own. */
  readonly workspace: string | undefined;
}

export function pathRoots(
  descriptor: ExecutorDescriptor,
  home: string,
  env: EnvRecord,
  workspacePath: string,
): PathRoots {
  const absoluteHome = resolve(home);
  const workspace = resolve(workspacePath);
  return {
    home: absoluteHome,
    globalConfig: globalConfigPath(descriptor, absoluteHome, env),
    workspace: workspace === absoluteHome ? undefined : workspace,
  };
}

function globalConfigPath(descriptor: ExecutorDescriptor, home: string, env: EnvRecord): string {
  const moved = descriptor.globalConfigDirEnv ? env[descriptor.globalConfigDirEnv]?.trim() : undefined;
  if (moved) return isAbsolute(moved) ? resolve(moved) : resolve(home, moved);
  return join(home, descriptor.globalConfigDir);
}

/** Absolute path of a location, or undefined when it is anchored to a workspace that has none. */
export function locate(location: ConfigLocation, roots: PathRoots): string | undefined {
  const base = roots[location.base];
  return base === undefined ? undefined : join(base, location.path);
}

/** Absolute paths of the locations that apply, each once (a moved config dir may coincide with another). */
export function locateAll<T extends ConfigLocation>(
  locations: readonly T[],
  roots: PathRoots,
): { location: T; path: string }[] {
  const seen = new Set<string>();
  const found: { location: T; path: string }[] = [];
  for (const location of locations) {
    const path = locate(location, roots);
    if (path === undefined || seen.has(path)) continue;
    seen.add(path);
    found.push({ location, path });
  }
  return found;
}
