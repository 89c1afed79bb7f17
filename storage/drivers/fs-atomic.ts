import { randomBytes } from "node:crypto";
import { existsSync, promises as fsp } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { createStorage, defineDriver } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import type { BackendFactory, ScopeBackend } from "../backend.js";
import { assertOrdinaryFilesystem, specialFilesystemOf } from "./special-filesystems.js";

const TEMP_SUFFIX = ".tmp";

/**
 * unstorage's fs driver with atomic writes (temp file in the same directory, fsync, rename) and removal
 * of directories left empty. Nothing is written under a kernel or device filesystem (/proc, /sys, /dev). Reads, listings and the chokidar watcher come from the original driver.
 */
export const atomicFsDriver = defineDriver((options: { base: string }) => {
  const base = resolve(options.base);
  const inner = fsDriver({
    base,
    ignore: ["**/node_modules/**", "**/.git/**", `**/*${TEMP_SUFFIX}`, "**/*.jsonl"],
  });
  const pathOf = (key: string): string => {
    const path = resolve(join(base, key.replace(/:/g, "/")));
    if (path !== base && !path.startsWith(base + sep))
      throw new Error(`key escapes the storage root: ${key}`);
    return path;
  };

  async function writeAtomic(key: string, data: string | Uint8Array): Promise<void> {
    const target = pathOf(key);
    // The handlers refuse such workspaces already; this keeps a symlinked `.viben` (or a bug) from writing there.
    await assertOrdinaryFilesystem(dirname(target));
    await fsp.mkdir(dirname(target), { recursive: true });
    const temp = join(
      dirname(target),
      `.${basename(target)}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`,
    );
    const handle = await fsp.open(temp, "wx", 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fsp.rename(temp, target);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    }
  }

  async function removeEmptyParents(path: string): Promise<void> {
    let dir = dirname(path);
    while (dir.startsWith(base + sep)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  return {
    ...inner,
    name: "fs-atomic",
    options,
    setItem: (key: string, value: string) => writeAtomic(key, value),
    setItemRaw: (key: string, value: Uint8Array) => writeAtomic(key, value),
    async removeItem(key: string) {
      const path = pathOf(key);
      await fsp.rm(path, { force: true });
      await removeEmptyParents(path);
    },
  };
});

/** Filesystem roots for the Node runtime. A root is watched (and so cached) only once it exists. */
export function fsBackends(): BackendFactory {
  return (root) => {
    const storage = createStorage({ driver: atomicFsDriver({ base: root }) });
    const backend: ScopeBackend = {
      storage,
      async watch(onChange) {
        // A root that is (or links into) /proc or /sys is never walked by the watcher.
        if (!existsSync(root) || (await specialFilesystemOf(root))) return false;
        await storage.watch((_event, key) => onChange(key));
        return true;
      },
      dispose: () => storage.dispose(),
    };
    return backend;
  };
}
