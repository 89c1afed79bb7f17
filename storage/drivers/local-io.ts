import { fdatasync, fsync, open, readFileSync, writeSync } from "node:fs";

/*
 * The gateway's own data files are on a local disk, where writing to an open file, closing it, stat'ing or
 * reading a small one is a syscall of microseconds. Through fs/promises each is a round trip through
 * libuv's thread pool, and on a busy 2-core machine a round trip cost the event loop 50–300 µs (a queued
 * job made ~70 of them: the largest part of the queue's own cost). So the storage drivers make these calls
 * synchronously. What may wait for the disk goes to the pool: fsync and fdatasync, and creating or renaming
 * a file, which waits for the filesystem's journal while a commit (another file's fsync) is under way
 * (made synchronous, a queued job's creates held the event loop ~2 ms). Paths users name (workdirs,
 * workspaces) are probed asynchronously.
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

/** Opens (or creates) a file off the event loop, as a descriptor for the synchronous calls above. */
function openFd(path: string, flags: string): Promise<number> {
  return new Promise<number>((resolve, reject) =>
    open(path, flags, 0o600, (error, fd) => (error ? reject(error) : resolve(fd))),
  );
}

/** Opens a file, making its folder first when it is missing (`makeDir` checks where it may be made). */
export async function openMakingDir(
  path: string,
  flags: string,
  makeDir: () => Promise<void>,
): Promise<number> {
  try {
    return await openFd(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    await makeDir();
    return openFd(path, flags);
  }
}

/** Writes all of `data` at the file's position (a single write may be short, e.g. on a full disk). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}
