import { closeSync, fdatasync, fsync, openSync, readFileSync, writeSync } from "node:fs";

/*
 * The gateway's own data files are on a local disk, where opening, writing, renaming or stat'ing a small
 * file is a syscall of microseconds. Through fs/promises each is a round trip through libuv's thread pool,
 * and on a busy 2-core machine a round trip cost the event loop 50–300 µs (a queued job made ~70 of them:
 * the largest part of the queue's own cost). So the storage drivers make these calls synchronously and send
 * only what waits for the disk itself (fsync, fdatasync) to the pool. Paths users name (workdirs,
 * workspaces) are still probed asynchronously.
 */

/** Flushes a file to the disk (its data only with `dataOnly`) off the event loop. */
export function flushFile(fd: number, dataOnly: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error: NodeJS.ErrnoException | null) => (error ? reject(error) : resolve());
    if (dataOnly) fdatasync(fd, done);
    else fsync(fd, done);
  });
}

/** A file's bytes, or null when it does not exist (or is a folder). */
export function readFileOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
    throw error;
  }
}

/** Opens a file, making its folder first when it is missing (`makeDir` checks where it may be made). */
export async function openMakingDir(
  path: string,
  flags: string,
  makeDir: () => Promise<void>,
): Promise<number> {
  try {
    return openSync(path, flags, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    await makeDir();
    return openSync(path, flags, 0o600);
  }
}

/** Writes all of `data` at the file's position (a single write may be short, e.g. on a full disk). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

export { closeSync };
