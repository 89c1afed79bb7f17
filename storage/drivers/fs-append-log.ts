import { closeSync, promises as fsp, fstatSync, readSync, statSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import {
  type AppendLog,
  type AppendOptions,
  assertLogKey,
  badCursor,
  checkLimit,
  decodeCursor,
  encodeCursor,
  type FromOptions,
  type LogPage,
  type LogRecord,
  parseRecord,
  serialiseRecords,
  type TailOptions,
} from "../append-log.js";
import { invalid } from "../errors.js";
import { KeyedMutex } from "../lock.js";
import { flushFile, openMakingDir, writeAllSync } from "./local-io.js";
import { ordinaryDirs } from "./ordinary-dirs.js";

const NL = 0x0a;
const NEWLINE = Buffer.from("\n");

export interface FsAppendLogOptions {
  /** Bytes read per step when scanning; small values are for tests that cross chunk boundaries. */
  chunkSize?: number;
}

/** A readable record and the byte range of its line (`end` is just past the newline). */
interface Line {
  start: number;
  end: number;
  record: LogRecord;
}

/**
 * JSON-lines files under a root directory, keyed like the fs unstorage driver (`a:b:c.jsonl` →
 * `<root>/a/b/c.jsonl`). Cursors are byte offsets of line starts. Appends open the file with O_APPEND and
 * fdatasync once per batch; the tail is read backwards in chunks, so reading the last page costs the same
 * whatever the length of the file.
 */
/** How many logs an FsAppendLog remembers the size of (see appendedSize). */
const MAX_REMEMBERED_LOGS = 10_000;
/** How many append handles an FsAppendLog keeps open (journal, audit, ledger, history, a few sessions). */
const MAX_OPEN_LOGS = 32;
/** Kept handles are closed once no append came for this long. */
const IDLE_CLOSE_MS = 2000;
/** How soon what a non-durable append wrote is flushed to the disk. */
const FLUSH_LATER_MS = 1000;

interface KeptHandle {
  /** The log's key (its appends' lock). */
  key: string;
  fd: number;
  /** Written without a flush since the last one (see AppendOptions.durable). */
  dirty: boolean;
  ino: number;
  dev: number;
  /** An append is using it: never closed under it. */
  busy: boolean;
}

export class FsAppendLog implements AppendLog {
  readonly root: string;
  private readonly chunkSize: number;
  // Serialises appends (and removal) per key so batches never interleave and the torn-line check holds.
  private readonly mutex = new KeyedMutex();
  /**
   * The size of each log after this process's last append to it, which ends with a newline: a log still that
   * size needs no torn-line check (a read); one that changed (a crash, a hand edit) does. Bounded;
   * forgetting a log only costs a check.
   */
  private readonly appendedSize = new Map<string, number>();
  /** Append handles kept open between appends, least recently used first (see handleFor). */
  private readonly handles = new Map<string, KeptHandle>();
  private idleTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(root: string, options: FsAppendLogOptions = {}) {
    this.root = resolve(root);
    this.chunkSize = Math.max(1, options.chunkSize ?? 64 * 1024);
  }

  pathOf(key: string): string {
    assertLogKey(key);
    const path = resolve(join(this.root, key.replace(/:/g, "/")));
    if (!path.startsWith(this.root + sep)) throw invalid("key", "escapes the storage root", { key });
    return path;
  }

  async append(key: string, records: readonly object[], options: AppendOptions = {}): Promise<void> {
    const path = this.pathOf(key);
    if (records.length === 0) return;
    const data = Buffer.from(serialiseRecords(records), "utf8");
    await this.mutex.run(key, async () => {
      const { fd, size } = await this.handleFor(key, path);
      // Until this append is known to be whole, the log may end mid-line.
      const known = this.appendedSize.get(path);
      this.appendedSize.delete(path);
      try {
        // A crash mid-append leaves a line without its newline: end it so the new records get lines of their own.
        const torn = size > 0 && size !== known && lastByte(fd, size) !== NL;
        const bytes = torn ? Buffer.concat([NEWLINE, data]) : data;
        // Written synchronously, flushed in the thread pool (see local-io.ts).
        writeAllSync(fd, bytes);
        const kept = this.handles.get(path);
        if (options.durable === false) {
          if (kept) kept.dirty = true;
          this.flushLater();
        } else {
          if (kept) kept.dirty = false;
          await flushFile(fd, true);
        }
        if (this.appendedSize.size >= MAX_REMEMBERED_LOGS) this.appendedSize.clear();
        this.appendedSize.set(path, size + bytes.length);
      } catch (error) {
        await this.closeHandle(path);
        throw error;
      } finally {
        this.released(path);
      }
    });
  }

  /**
   * An open descriptor on the log at `path` and its size now. One kept from an earlier append is reused
   * when a stat of the path shows the same file (not replaced by a compaction's rename, nor removed);
   * otherwise the file is opened again. A stat instead of open, fstat and close per append.
   */
  private async handleFor(key: string, path: string): Promise<{ fd: number; size: number }> {
    const kept = this.handles.get(path);
    if (kept) {
      const now = statSync(path, { throwIfNoEntry: false });
      if (now && now.ino === kept.ino && now.dev === kept.dev) {
        kept.busy = true;
        // Most recently used last: eviction takes the first idle one.
        this.handles.delete(path);
        this.handles.set(path, kept);
        return { fd: kept.fd, size: now.size };
      }
      await this.closeHandle(path);
    }
    const fd = await openMakingDir(path, "a+", () => ordinaryDirs.make(dirname(path)));
    try {
      const { ino, dev, size } = fstatSync(fd);
      this.handles.set(path, { key, fd, ino, dev, busy: true, dirty: false });
      await this.evict();
      return { fd, size };
    } catch (error) {
      this.handles.delete(path);
      closeSync(fd);
      throw error;
    }
  }

  /** The append on `path` is over: its handle may be evicted, and idle handles close after a while. */
  private released(path: string): void {
    const kept = this.handles.get(path);
    if (kept) kept.busy = false;
    // One timer per log store, pushed back by each append: a quiet store holds no descriptors.
    if (this.idleTimer) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        void this.closeIdle();
      }, IDLE_CLOSE_MS);
      this.idleTimer.unref();
    }
  }

  /** Closes the least recently used idle handles beyond MAX_OPEN_LOGS (one in use is never closed). */
  private async evict(): Promise<void> {
    for (const [path, kept] of this.handles) {
      if (this.handles.size <= MAX_OPEN_LOGS) return;
      if (!kept.busy) await this.closeHandle(path);
    }
  }

  /** Flushes, within FLUSH_LATER_MS, what non-durable appends wrote. */
  private flushLater(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushDirty();
    }, FLUSH_LATER_MS);
    this.flushTimer.unref();
  }

  private async flushDirty(): Promise<void> {
    for (const [path, kept] of [...this.handles]) {
      if (!kept.dirty) continue;
      await this.mutex.run(kept.key, async () => {
        // Under the log's lock and marked busy, so no append or close races the flush (a handle closed
        // meanwhile was flushed as it closed).
        if (this.handles.get(path) !== kept || !kept.dirty) return;
        kept.dirty = false;
        kept.busy = true;
        try {
          await flushFile(kept.fd, true);
        } catch {
          kept.dirty = true;
        } finally {
          kept.busy = false;
        }
      });
    }
  }

  private async closeIdle(): Promise<void> {
    for (const [path, kept] of [...this.handles]) if (!kept.busy) await this.closeHandle(path);
  }

  private async closeHandle(path: string): Promise<void> {
    const kept = this.handles.get(path);
    if (!kept) return;
    this.handles.delete(path);
    // What non-durable appends wrote reaches the disk before the descriptor goes.
    if (kept.dirty) await flushFile(kept.fd, true).catch(() => undefined);
    try {
      closeSync(kept.fd);
    } catch {
      // Already gone: nothing to release.
    }
  }

  async readTail(key: string, options: TailOptions): Promise<LogPage> {
    const path = this.pathOf(key);
    const limit = checkLimit(options.limit);
    const before = options.before === undefined ? undefined : decodeCursor(options.before);
    return this.withReader(path, before, async (handle, size) => {
      const lines = await this.scanBack(handle, before ?? size, limit + 1);
      const page = lines.slice(0, limit).reverse();
      const result: LogPage = { records: page.map((l) => l.record) };
      if (lines.length > limit) result.prev_cursor = encodeCursor(page[0]!.start);
      if (before !== undefined && (await this.scanForward(handle, before, size, 1)).length > 0)
        result.next_cursor = encodeCursor(before);
      return result;
    });
  }

  async readFrom(key: string, options: FromOptions): Promise<LogPage> {
    const path = this.pathOf(key);
    const limit = checkLimit(options.limit);
    const after = options.after === undefined ? undefined : decodeCursor(options.after);
    return this.withReader(path, after, async (handle, size) => {
      const start = after ?? 0;
      const lines = await this.scanForward(handle, start, size, limit + 1);
      const page = lines.slice(0, limit);
      const result: LogPage = { records: page.map((l) => l.record) };
      if (lines.length > limit) result.next_cursor = encodeCursor(page.at(-1)!.end);
      const first = page[0]?.start ?? start;
      if (first > 0 && (await this.scanBack(handle, first, 1)).length > 0)
        result.prev_cursor = encodeCursor(first);
      return result;
    });
  }

  async count(key: string): Promise<number> {
    const path = this.pathOf(key);
    return this.withReader(path, undefined, async (handle, size) => {
      let n = 0;
      await this.forEachForward(handle, 0, size, () => {
        n++;
        return true;
      });
      return n;
    });
  }

  async remove(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.mutex.run(key, async () => {
      this.appendedSize.delete(path);
      await this.closeHandle(path);
      await fsp.rm(path, { force: true });
      await this.removeEmptyParents(path);
    });
  }

  async truncate(key: string): Promise<void> {
    const path = this.pathOf(key);
    await this.mutex.run(key, async () => {
      this.appendedSize.delete(path);
      await this.closeHandle(path);
      try {
        await fsp.truncate(path, 0);
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    });
  }

  /** Opens the file for reading and checks `cursor` (a line start inside the file); a missing file is empty. */
  private async withReader<T>(
    path: string,
    cursor: number | undefined,
    read: (handle: FileHandle, size: number) => Promise<T>,
  ): Promise<T> {
    let handle: FileHandle;
    try {
      handle = await fsp.open(path, "r");
    } catch (error) {
      if (!isMissing(error)) throw error;
      if (cursor !== undefined && cursor !== 0) throw badCursor("is out of range");
      return read(EMPTY_HANDLE, 0);
    }
    try {
      const { size } = await handle.stat();
      if (cursor !== undefined) {
        if (cursor > size) throw badCursor("is out of range");
        if (cursor > 0 && (await readRange(handle, cursor - 1, cursor))[0] !== NL)
          throw badCursor("does not point at the start of a record");
      }
      return await read(handle, size);
    } finally {
      await handle.close();
    }
  }

  /**
   * Up to `want` records that end at or before `end`, newest first. Bytes after the last newline before
   * `end` are a torn (or still being written) line and are ignored.
   */
  private async scanBack(handle: FileHandle, end: number, want: number): Promise<Line[]> {
    const found: Line[] = [];
    let chunkEnd = end;
    let lineEnd = -1; // offset of the newline ending the line being assembled; -1 until one is seen
    let pieces: Buffer[] = []; // that line's bytes read so far, last piece first
    while (chunkEnd > 0 && found.length < want) {
      const chunkStart = Math.max(0, chunkEnd - this.chunkSize);
      const chunk = await readRange(handle, chunkStart, chunkEnd);
      let cut = chunk.length;
      let i = chunk.lastIndexOf(NL, cut - 1);
      while (i !== -1 && found.length < want) {
        if (lineEnd !== -1) {
          pieces.push(chunk.subarray(i + 1, cut));
          const line = toLine(chunkStart + i + 1, lineEnd + 1, pieces.reverse());
          if (line) found.push(line);
        }
        lineEnd = chunkStart + i;
        pieces = [];
        cut = i;
        // lastIndexOf counts a negative offset from the end, so stop at the first byte explicitly.
        i = i > 0 ? chunk.lastIndexOf(NL, i - 1) : -1;
      }
      if (lineEnd !== -1) pieces.push(chunk.subarray(0, cut));
      chunkEnd = chunkStart;
    }
    if (chunkEnd === 0 && lineEnd !== -1 && found.length < want) {
      const line = toLine(0, lineEnd + 1, pieces.reverse());
      if (line) found.push(line);
    }
    return found;
  }

  /** Up to `want` records starting at or after `start`, oldest first. */
  private async scanForward(handle: FileHandle, start: number, size: number, want: number): Promise<Line[]> {
    const found: Line[] = [];
    await this.forEachForward(handle, start, size, (line) => {
      found.push(line);
      return found.length < want;
    });
    return found;
  }

  /** Visits complete records from `start` until `visit` returns false; an unterminated last line is skipped. */
  private async forEachForward(
    handle: FileHandle,
    start: number,
    size: number,
    visit: (line: Line) => boolean,
  ): Promise<void> {
    let position = start;
    let lineStart = start;
    let pieces: Buffer[] = [];
    while (position < size) {
      const chunk = await readRange(handle, position, Math.min(size, position + this.chunkSize));
      if (chunk.length === 0) return; // the file shrank while we read
      let from = 0;
      for (let i = chunk.indexOf(NL); i !== -1; i = chunk.indexOf(NL, from)) {
        pieces.push(chunk.subarray(from, i));
        const end = position + i + 1;
        const line = toLine(lineStart, end, pieces);
        if (line && !visit(line)) return;
        pieces = [];
        lineStart = end;
        from = i + 1;
      }
      if (from < chunk.length) pieces.push(chunk.subarray(from));
      position += chunk.length;
    }
  }

  private async removeEmptyParents(path: string): Promise<void> {
    for (let dir = dirname(path); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await fsp.rmdir(dir);
      } catch {
        return;
      }
    }
  }
}

/** Parses a line (its pieces in file order, without the newline); undefined when it is not a record. */
function toLine(start: number, end: number, pieces: Buffer[]): Line | undefined {
  const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  const record = parseRecord(bytes.toString("utf8"));
  return record ? { start, end, record } : undefined;
}

/** The byte before `size` (the log's last), read in place. */
function lastByte(fd: number, size: number): number | undefined {
  const byte = Buffer.alloc(1);
  return readSync(fd, byte, 0, 1, size - 1) === 1 ? byte[0] : undefined;
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(end - start);
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, start + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return buffer.subarray(0, offset);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

// Stands in for a missing file: every read method stops at size 0 before touching it.
const EMPTY_HANDLE = {} as FileHandle;
