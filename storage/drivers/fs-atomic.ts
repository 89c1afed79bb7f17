import { randomBytes } from "node:crypto";
import { closeSync, type Dirent, existsSync, promises as fsp } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { createStorage, defineDriver } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import type { BackendFactory, ScopeBackend } from "../backend.js";
import type { WriteOptions } from "../documents.js";
import { flushFile, openMakingDir, readFileOrNull, writeAllSync } from "./local-io.js";
import { ordinaryDirs } from "./ordinary-dirs.js";
import { specialFilesystemOf } from "./special-filesystems.js";

const TEMP_SUFFIX = ".tmp";
// `.<name>.<pid>-<12 hex>.tmp` beside the file it replaces; older versions wrote `.<name>.<12 hex>.tmp`.
const TEMP_NAME = /^\..+\.(?:(\d+)-)?[0-9a-f]{12}\.tmp$/;
// Temp files this process is writing now (absolute paths); a sweep never touches them.
const inFlight = new Set<string>();

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the temp files that interrupted atomic writes left under `root` (a crash or SIGKILL between
 * creating the temp file and renaming it). A temp file is left alone while the process that named itself in
 * it is alive and, for this process, while the write is under way: another gateway may share a workspace.
 * Resolves the number removed; a root that does not exist has none.
 */
export async function sweepTempFiles(root: string): Promise<number> {
  let entries: string[];
  try {
    entries = await fsp.readdir(root, { recursive: true });
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const match = TEMP_NAME.exec(basename(entry));
    if (!match) continue;
    const path = join(root, entry);
    const pid = match[1] === undefined ? undefined : Number(match[1]);
    if (pid === process.pid ? inFlight.has(path) : pid !== undefined && processAlive(pid)) continue;
    try {
      const info = await fsp.lstat(path);
      if (!info.isFile()) continue;
      await fsp.rm(path, { force: true });
      removed++;
    } catch {
      // Renamed or removed meanwhile: nothing left to sweep.
    }
  }
  return removed;
}

/** Names a listing skips: other tools' folders, temp files of writes under way, append logs (read apart). */
const skipDirectory = (name: string): boolean => name === "node_modules" || name === ".git";
const skipFile = (name: string): boolean => name.endsWith(TEMP_SUFFIX) || name.endsWith(".jsonl");

/** Files under `dir` as `a:b:c.yaml`, to `maxDepth` folders down; a missing folder has none. */
async function listKeys(dir: string, maxDepth?: number): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (skipDirectory(entry.name) || (maxDepth !== undefined && maxDepth <= 0)) continue;
      const below = await listKeys(join(dir, entry.name), maxDepth === undefined ? undefined : maxDepth - 1);
      for (const key of below) keys.push(`${entry.name}:${key}`);
    } else if (!skipFile(entry.name)) {
      keys.push(entry.name);
    }
  }
  return keys;
}

/** Folders under a root that the watcher skips (see atomicFsDriver). */
const WRITER_OWNED_FOLDERS = [
  // The audit trail is appended to at every request and run: each append made chokidar re-list the folder.
  "audit",
  "sessions",
  "runs",
  "queue",
  "history",
  "ledger",
  "cron/runs",
  "cron/state",
  // Hand-editable, but a hand edit of a job applies at the next start (the scheduler's index notices it),
  // and watching 10,000 job files cost ~75 MB and seconds before the server listened.
  "cron/jobs",
  "background-tasks",
];

/**
 * unstorage's fs driver with atomic writes (temp file in the same directory, fsync, rename) and removal
 * of directories left empty. Nothing is written under a kernel or device filesystem (/proc, /sys, /dev).
 * Reads, listings and the chokidar watcher come from the original driver; temp
 * files are never listed. With `sweepOnFirstWrite`, leftover temp files under the root are swept before
 * the first write (workspace roots, which are only known once a request names them).
 */
export const atomicFsDriver = defineDriver((options: { base: string; sweepOnFirstWrite?: boolean }) => {
  const base = resolve(options.base);
  let swept: Promise<unknown> | undefined = options.sweepOnFirstWrite ? undefined : Promise.resolve();
  // Folders of records only the gateway writes (one entry per session or run): watching them made chokidar
  // re-list the whole folder at every new entry, so each run cost more than the one before. Their cached
  // documents are kept fresh by the gateway's own writes; hand edits there apply at the next start.
  const unwatched = WRITER_OWNED_FOLDERS.map((folder) => join(base, folder));
  const inner = fsDriver({
    base,
    // The watcher's; listings use listKeys (same rules).
    ignore: ["**/node_modules/**", "**/.git/**", `**/*${TEMP_SUFFIX}`, "**/*.jsonl"],
    watchOptions: {
      ignored: (path: string) => unwatched.some((dir) => path === dir || path.startsWith(dir + sep)),
    },
  });
  const pathOf = (key: string): string => {
    const path = resolve(join(base, key.replace(/:/g, "/")));
    if (path !== base && !path.startsWith(base + sep))
      throw new Error(`key escapes the storage root: ${key}`);
    return path;
  };

  /**
   * `durable: false` skips the fsync: readers still never see a torn file (the rename is atomic), but a
   * power loss may bring back the previous version. For records the gateway can rebuild or repair.
   */
  async function writeAtomic(key: string, data: string | Uint8Array, durable = true): Promise<void> {
    const target = pathOf(key);
    const dir = dirname(target);
    // The handlers refuse such workspaces already; this keeps a symlinked `.viben` (or a bug) from writing there.
    await ordinaryDirs.check(dir);
    swept ??= sweepTempFiles(base).catch(() => 0);
    await swept;
    const temp = join(
      dir,
      `.${basename(target)}.${process.pid}-${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`,
    );
    inFlight.add(temp);
    try {
      // Written synchronously; opened, flushed and renamed in the thread pool (see local-io.ts). The folder
      // usually exists: it is made only when the open finds it missing.
      const fd = await openMakingDir(temp, "wx", () => ordinaryDirs.make(dir));
      try {
        writeAllSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
        if (durable) await flushFile(fd, false);
      } finally {
        closeSync(fd);
      }
      await fsp.rename(temp, target);
    } catch (error) {
      await fsp.rm(temp, { force: true });
      throw error;
    } finally {
      inFlight.delete(temp);
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
    getItem: (key: string) => readFileOrNull(pathOf(key))?.toString("utf8") ?? null,
    getItemRaw: (key: string) => readFileOrNull(pathOf(key)),
    options,
    // unstorage's fs driver walks the whole root for every listing and filters by base afterwards: with
    // 10,000 cron jobs each `keys("sessions")` took ~70 ms and tens of MB. Only the base's folder is walked.
    getKeys: (keyBase: string, listOptions?: { maxDepth?: number }) =>
      listKeys(keyBase ? pathOf(keyBase.replace(/:+$/, "")) : base, listOptions?.maxDepth).then((keys) =>
        keyBase ? keys.map((key) => `${keyBase.replace(/:+$/, "")}:${key}`) : keys,
      ),
    setItem: (key: string, value: string, opts?: WriteOptions) => writeAtomic(key, value, opts?.durable),
    setItemRaw: (key: string, value: Uint8Array, opts?: WriteOptions) =>
      writeAtomic(key, value, opts?.durable),
    async removeItem(key: string) {
      const path = pathOf(key);
      await fsp.rm(path, { force: true });
      await removeEmptyParents(path);
    },
  };
});

/**
 * Filesystem roots for the Node runtime. A root is watched (and so cached) only once it exists. Workspace
 * roots sweep leftover temp files before their first write; the global root is swept at start (server.ts).
 */
export function fsBackends(): BackendFactory {
  return (root, kind) => {
    const storage = createStorage({
      driver: atomicFsDriver({ base: root, sweepOnFirstWrite: kind === "workspace" }),
    });
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
