import { createStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import type { BackendFactory } from "../../../storage/backend.js";
import { kvRootPrefix } from "../../../storage/drivers/kv.js";
import { Scopes } from "../../../storage/scopes.js";
import { createExecutorCatalog } from "../../executors/catalog.js";
import { VERSION } from "../../version.js";
import type { ExecutorSnapshot } from "../../workerd/executor-snapshot.js";
import { EDGE_KEYS, type EdgeManifest } from "../../workerd/manifest.js";
import { collectRoot, type KvEntry } from "./collect.js";

/** What publishing needs of a KV namespace (wrangler-kv.ts; tests use a map). */
export interface KvWriter {
  list(prefix: string): Promise<string[]>;
  put(entries: readonly KvEntry[]): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

export interface PublishOptions {
  home: string;
  globalRoot: string;
  /** Workspaces whose `.viben` to publish besides the global root. */
  workspaces: string[];
  includeSessions: boolean;
  env: Readonly<Record<string, string | undefined>>;
  kv: KvWriter;
  warn: (message: string) => void;
  now?: () => Date;
}

export interface PublishReport {
  written: number;
  removed: number;
  manifest: EdgeManifest;
}

/** Keys under a published root that the edge writes itself (webhook Idempotency-Key records). */
const EDGE_OWNED = ["hooks:"];

/**
 * Mirrors the local gateway's data into the edge's KV namespace: the published files of each root (see
 * collect.ts) under the filesystem's key layout, a snapshot of the executor probe (the edge cannot probe),
 * and a manifest naming the home and roots, written last. Keys under those roots that no longer exist
 * locally are deleted afterwards, except what the edge owns; the inbox is outside the roots.
 */
export async function publishToEdge(options: PublishOptions): Promise<PublishReport> {
  const roots = [options.globalRoot, ...options.workspaces.map((w) => `${w.replace(/\/+$/, "")}/.viben`)];
  const entries: KvEntry[] = [];
  for (const root of roots) {
    entries.push(
      ...(await collectRoot(root, { includeSessions: options.includeSessions, warn: options.warn })),
    );
  }
  const now = (options.now ?? (() => new Date()))();
  const manifest: EdgeManifest = {
    format: 1,
    home: options.home,
    global_root: options.globalRoot,
    workspaces: options.workspaces,
    published_at: now.toISOString(),
    gateway_version: VERSION,
    keys: entries.length,
  };
  const executors = await snapshotExecutors(options, now);
  await options.kv.put([
    ...entries,
    { key: EDGE_KEYS.executors, value: JSON.stringify(executors) },
    { key: EDGE_KEYS.manifest, value: JSON.stringify(manifest) },
  ]);

  const written = new Set(entries.map((e) => e.key));
  const stale: string[] = [];
  // One listing at a time: concurrent wrangler processes on one local store fail on its lock.
  for (const root of roots) {
    const prefix = `${kvRootPrefix(root)}:`;
    for (const key of await options.kv.list(prefix)) {
      const inRoot = key.slice(prefix.length);
      if (!written.has(key) && !EDGE_OWNED.some((owned) => inRoot.startsWith(owned))) stale.push(key);
    }
  }
  if (stale.length > 0) await options.kv.delete(stale);
  return { written: entries.length, removed: stale.length, manifest };
}

/** The local executor probe for every published workspace, as the edge will serve it. */
async function snapshotExecutors(options: PublishOptions, now: Date): Promise<ExecutorSnapshot> {
  const scopes = new Scopes({ home: options.home, globalRoot: options.globalRoot, backend: unwatchedFiles });
  try {
    const catalog = createExecutorCatalog({
      home: options.home,
      env: options.env,
      globalScope: scopes.global(),
    });
    const workspaces: ExecutorSnapshot["workspaces"] = {};
    for (const workspace of [options.home, ...options.workspaces]) {
      workspaces[workspace] = await catalog.list(workspace);
    }
    return { probed_at: now.toISOString(), workspaces };
  } finally {
    await scopes.dispose();
  }
}

/** Read-only files without a watcher: a one-shot probe needs no change notifications. */
const unwatchedFiles: BackendFactory = (root) => {
  const storage = createStorage({ driver: fsDriver({ base: root, readOnly: true }) });
  return { storage, watch: async () => false, dispose: () => storage.dispose() };
};
