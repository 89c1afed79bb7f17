import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import type { BackendFactory, ScopeBackend } from "../backend.js";

/**
 * In-memory roots for handler-level tests. Every root keeps its own map for the life of the factory, so a
 * workspace scope that is evicted and reopened still finds its data. Nothing but the API writes to them,
 * so caching is always safe.
 */
export function memoryBackends(): BackendFactory {
  const roots = new Map<string, ScopeBackend>();
  return (root) => {
    let backend = roots.get(root);
    if (!backend) {
      const storage = createStorage({ driver: memoryDriver() });
      backend = { storage, watch: async () => true, dispose: async () => {} };
      roots.set(root, backend);
    }
    return backend;
  };
}
