import { resolve } from "node:path";
import { LRUCache } from "lru-cache";
import type { ExecutorCatalog, ExecutorInfo } from "../../handlers/capabilities/executors.js";
import { readExecutorOverride } from "../../storage/executor-overrides.js";
import { canonicalExecutorId, type ExecutorId } from "../../storage/executor-types.js";
import type { Scope } from "../../storage/scopes.js";
import { EXECUTOR_DESCRIPTORS } from "./index.js";
import type { EnvRecord } from "./locations.js";
import { probeExecutor } from "./probe.js";
import type { ExecutorDescriptor } from "./types.js";

export interface ExecutorCatalogOptions {
  home: string;
  /** The environment executors run with: PATH for finding binaries, CODEX_HOME, ... */
  env: EnvRecord;
  /** Where `executors/<ID>.yaml` overrides are read from. */
  globalScope: Scope;
  /** How long a workspace's probe results are reused. */
  ttlMs?: number;
  now?: () => number;
  descriptors?: readonly ExecutorDescriptor[];
}

interface CacheEntry {
  infos: Promise<ExecutorInfo[]>;
}

/** Enough for every workspace a busy gateway sees within one TTL; beyond it the least recently used goes. */
const MAX_CACHED_WORKSPACES = 256;

/**
 * The executor catalog of the Node runtime. Probing touches a few dozen files per executor, and one agent
 * listing asks about every agent's executor, so results are cached per workspace for a short TTL and
 * concurrent callers share one in-flight probe.
 */
export function createExecutorCatalog(options: ExecutorCatalogOptions): ExecutorCatalog {
  const { home, env, globalScope } = options;
  const ttlMs = options.ttlMs ?? 2000;
  const now = options.now ?? Date.now;
  const descriptors = options.descriptors ?? EXECUTOR_DESCRIPTORS;
  // ttlResolution 0: read the (injectable) clock on every lookup rather than caching it for a millisecond;
  // a ttl of 0 would mean "forever" to lru-cache, so 1 ms is the shortest.
  const cache = new LRUCache<string, CacheEntry>({
    max: MAX_CACHED_WORKSPACES,
    ttl: Math.max(1, ttlMs),
    ttlResolution: 0,
    perf: { now },
  });

  const probeAll = (workspacePath: string): Promise<ExecutorInfo[]> =>
    Promise.all(
      descriptors.map(async (descriptor) => {
        const override = await readExecutorOverride(globalScope, descriptor.id);
        return probeExecutor(descriptor, { home, env, workspacePath, override });
      }),
    );

  function cachedProbe(workspacePath: string): Promise<ExecutorInfo[]> {
    const key = resolve(workspacePath);
    const hit = cache.get(key);
    if (hit) return hit.infos;
    const infos = probeAll(key);
    const entry = { infos };
    cache.set(key, entry);
    // A failed probe is not remembered: the next caller tries again.
    infos.catch(() => {
      if (cache.peek(key) === entry) cache.delete(key);
    });
    return infos;
  }

  return {
    // Copies, so a caller that decorates a result cannot change what the next caller sees.
    async list(workspacePath) {
      return structuredClone(await cachedProbe(workspacePath));
    },
    async get(id: ExecutorId, workspacePath) {
      // Callers may pass user input typed as an id (`cursor`), so aliases are resolved here too.
      const canonical = canonicalExecutorId(id);
      const info = (await cachedProbe(workspacePath)).find((candidate) => candidate.id === canonical);
      if (!info) throw new Error(`unknown executor: ${id}`);
      return structuredClone(info);
    },
  };
}
