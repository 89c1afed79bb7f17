import { promises as fsp, type Stats, statSync } from "node:fs";
import { join } from "node:path";
import type { Scope } from "../../storage/scopes.js";

/** The two per-job folders the start-up check compares with the due index. */
export type CronFolder = "jobs" | "state";

/**
 * Fingerprints of the job and state files (a number per file), so start-up can tell which files changed
 * since the due index was written without reading them. A changed fingerprint means "read this job again".
 */
export interface CronFileStamps {
  /** Every `<id>.yaml` in the folder, by id. */
  list(folder: CronFolder): Promise<Map<string, number>>;
  /** One file's fingerprint; 0 when it does not exist. */
  stamp(folder: CronFolder, id: string): Promise<number>;
}

/** A 53-bit string hash (cyrb53): fingerprints are compared, never trusted for content. */
export function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // Never 0, which stands for "no file".
  return 4294967296 * (2097151 & h2) + (h1 >>> 0) || 1;
}

const ID = /^([^.][^/]*)\.yaml$/;
const STAT_SLICE = 256;

const stampFrom = (info: Stats): number => hash53(`${info.mtimeMs}:${info.size}:${info.ino}`);

/** On disk: modification time (sub-millisecond) and size, from one stat per file; nothing is read. */
export function fsCronFileStamps(globalRoot: string): CronFileStamps {
  const dir = (folder: CronFolder) => join(globalRoot, "cron", folder);
  const stampOf = async (path: string): Promise<number> => {
    try {
      return stampFrom(await fsp.stat(path));
    } catch {
      return 0;
    }
  };
  return {
    async list(folder) {
      let names: string[];
      try {
        names = await fsp.readdir(dir(folder));
      } catch {
        return new Map();
      }
      const ids = names.map((n) => ID.exec(n)?.[1]).filter((id): id is string => id !== undefined);
      // Synchronous stats in slices, yielding between them: the promise API allocated ~1 KB per file,
      // which grew the young heap (and RSS) by tens of MB for 10,000 files; a slice blocks ~a millisecond.
      const stamps = new Map<string, number>();
      for (let i = 0; i < ids.length; i += STAT_SLICE) {
        for (const id of ids.slice(i, i + STAT_SLICE)) {
          const info = statSync(join(dir(folder), `${id}.yaml`), { throwIfNoEntry: false });
          if (info) stamps.set(id, stampFrom(info));
        }
        await new Promise<void>((resume) => setImmediate(resume));
      }
      return stamps;
    },
    stamp: (folder, id) => stampOf(join(dir(folder), `${id}.yaml`)),
  };
}

/** Any storage (memory in tests): the files' contents hashed, since there is no stat. */
export function storeCronFileStamps(scope: Scope): CronFileStamps {
  const base = (folder: CronFolder) => `cron:${folder}`;
  const stamp = async (folder: CronFolder, id: string): Promise<number> => {
    const text = await scope.store.readRaw(`${base(folder)}:${id}.yaml`);
    return text === null ? 0 : hash53(text);
  };
  return {
    async list(folder) {
      const stamps = new Map<string, number>();
      for (const key of await scope.store.keys(base(folder))) {
        const id = /^([^:]+)\.yaml$/.exec(key)?.[1];
        if (!id) continue;
        const value = await stamp(folder, id);
        if (value) stamps.set(id, value);
      }
      return stamps;
    },
    stamp,
  };
}
