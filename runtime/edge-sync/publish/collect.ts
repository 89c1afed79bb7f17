import { createStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { kvKeyOf } from "../../../storage/drivers/kv.js";
import { redactForEdge } from "./redact.js";

/** One KV pair to write. */
export interface KvEntry {
  key: string;
  value: string;
}

/** Files the edge serves (keys inside a root); everything else (queue, ledger, hooks, ...) stays local. */
const CONFIGURATION = [
  /^gateway\.yaml$/,
  /^config\.yaml$/,
  /^models\.yaml$/,
  /^kanban\.yaml$/,
  /^agents:/,
  /^templates:/,
  /^providers:/,
  /^executors:/,
  /^tasks:/,
  /^cron:(jobs|state|runs):/,
];
/** Conversations: published unless `--skip-sessions` (they may hold whatever users typed). */
const CONVERSATIONS = [/^sessions:/, /^history:/];
/** A Workers KV value may not exceed 25 MiB. */
export const KV_VALUE_LIMIT = 25 * 1024 * 1024;

export interface CollectOptions {
  includeSessions: boolean;
  warn: (message: string) => void;
}

/** Whether a key inside a root is published. */
export function isPublished(key: string, includeSessions: boolean): boolean {
  if (key.endsWith(".tmp")) return false;
  return (
    CONFIGURATION.some((p) => p.test(key)) || (includeSessions && CONVERSATIONS.some((p) => p.test(key)))
  );
}

/**
 * Reads a storage root (`~/.viben`, `<workspace>/.viben`) with unstorage's fs driver and returns its
 * published files as KV pairs under the root's key prefix, the layout the Worker's KV driver reads.
 * Literal secrets are masked (see redact.ts); `${NAME}` references are kept as they are, never expanded.
 */
export async function collectRoot(root: string, options: CollectOptions): Promise<KvEntry[]> {
  const files = createStorage({
    driver: fsDriver({ base: root, readOnly: true, ignore: ["**/node_modules/**", "**/.git/**"] }),
  });
  const entries: KvEntry[] = [];
  try {
    const keys = (await files.getKeys()).filter((k) => isPublished(k, options.includeSessions)).sort();
    for (const key of keys) {
      const raw = await files.getItemRaw(key);
      if (raw === null || raw === undefined) continue;
      const text = typeof raw === "string" ? raw : Buffer.from(raw as Uint8Array).toString("utf8");
      if (Buffer.byteLength(text) > KV_VALUE_LIMIT) {
        options.warn(`${root}/${key.replaceAll(":", "/")}: larger than a KV value may be (25 MiB), skipped`);
        continue;
      }
      const value = redactForEdge(key, text);
      if (value === null) {
        options.warn(`${root}/${key.replaceAll(":", "/")}: does not parse, skipped (it may hold secrets)`);
        continue;
      }
      entries.push({ key: kvKeyOf(root, key), value });
    }
  } finally {
    await files.dispose();
  }
  return entries;
}
