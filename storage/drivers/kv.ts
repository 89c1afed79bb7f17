import { createStorage, normalizeKey, prefixStorage, type Storage } from "unstorage";
import cloudflareKVBindingDriver from "unstorage/drivers/cloudflare-kv-binding";
import type { BackendFactory } from "../backend.js";

/** One unstorage instance over a Workers KV binding, keys unprefixed (the whole namespace). */
export function kvStorage(binding: unknown): Storage {
  return createStorage({ driver: cloudflareKVBindingDriver({ binding: binding as never }) });
}

/**
 * The KV key prefix of a storage root: its path with separators as `:` (`/home/a/.viben` →
 * `home:a:.viben`), so `<root>/agents/x/config.yaml` is `home:a:.viben:agents:x:config.yaml`, the
 * filesystem's layout. The publish command computes keys with the same function.
 */
export function kvRootPrefix(root: string): string {
  return normalizeKey(root.replace(/[/\\]+/g, ":"));
}

/** The KV key of a file under a root (`key` is the unstorage key inside the root, `a:b.yaml`). */
export function kvKeyOf(root: string, key: string): string {
  return `${kvRootPrefix(root)}:${normalizeKey(key)}`;
}

/**
 * Cloudflare KV roots for the Worker: one namespace, each root under its own key prefix (the root path),
 * in the same key layout as the filesystem. KV changes are not observable, so nothing is cached.
 */
export function kvBackends(storage: Storage): BackendFactory {
  return (root) => ({
    storage: prefixStorage(storage, kvRootPrefix(root)),
    watch: async () => false,
    dispose: async () => {},
  });
}
