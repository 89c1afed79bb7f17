import { createStorage, prefixStorage } from "unstorage";
import cloudflareKVBindingDriver from "unstorage/drivers/cloudflare-kv-binding";
import type { BackendFactory } from "../backend.js";

/**
 * Cloudflare KV roots for the Worker: one namespace, each root under its own key prefix (the root path),
 * in the same key layout as the filesystem. KV changes are not observable, so nothing is cached.
 */
export function kvBackends(binding: unknown): BackendFactory {
  const storage = createStorage({ driver: cloudflareKVBindingDriver({ binding: binding as never }) });
  return (root) => ({
    storage: prefixStorage(storage, root.replace(/[/\\]+/g, ":")),
    watch: async () => false,
    dispose: async () => {},
  });
}
