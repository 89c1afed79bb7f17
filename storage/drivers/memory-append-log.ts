import {
  type AppendLog,
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

/** A log as text: complete lines plus whatever follows the last newline (a torn write). */
interface MemoryLog {
  lines: string[];
  torn?: string;
}

/**
 * In-memory logs for tests and runtimes without a filesystem. Records are kept as serialised lines (so
 * callers never share objects with the store) and read with the same rules as the fs driver. Cursors are
 * line indexes. Nothing here awaits, so every call is atomic.
 */
export class MemoryAppendLog implements AppendLog {
  private readonly logs = new Map<string, MemoryLog>();

  async append(key: string, records: readonly object[]): Promise<void> {
    assertLogKey(key);
    if (records.length === 0) return;
    const text = serialiseRecords(records);
    const log = this.logOf(key);
    if (log.torn !== undefined) {
      log.lines.push(log.torn);
      log.torn = undefined;
    }
    for (const line of text.slice(0, -1).split("\n")) log.lines.push(line);
  }

  /** Appends raw text, as a crash mid-write or a hand edit would leave it. For tests. */
  appendRaw(key: string, text: string): void {
    assertLogKey(key);
    const log = this.logOf(key);
    const parts = `${log.torn ?? ""}${text}`.split("\n");
    const rest = parts.pop()!;
    for (const line of parts) log.lines.push(line);
    log.torn = rest === "" ? undefined : rest;
  }

  async readTail(key: string, options: TailOptions): Promise<LogPage> {
    assertLogKey(key);
    const limit = checkLimit(options.limit);
    const lines = this.logs.get(key)?.lines ?? [];
    const before = options.before === undefined ? lines.length : this.position(lines, options.before);
    const found: { index: number; record: LogRecord }[] = [];
    for (let i = before - 1; i >= 0 && found.length <= limit; i--) {
      const record = parseRecord(lines[i]!);
      if (record) found.push({ index: i, record });
    }
    const page = found.slice(0, limit).reverse();
    const result: LogPage = { records: page.map((f) => f.record) };
    if (found.length > limit) result.prev_cursor = encodeCursor(page[0]!.index);
    if (options.before !== undefined && hasRecordFrom(lines, before))
      result.next_cursor = encodeCursor(before);
    return result;
  }

  async readFrom(key: string, options: FromOptions): Promise<LogPage> {
    assertLogKey(key);
    const limit = checkLimit(options.limit);
    const lines = this.logs.get(key)?.lines ?? [];
    const start = options.after === undefined ? 0 : this.position(lines, options.after);
    const found: { index: number; record: LogRecord }[] = [];
    for (let i = start; i < lines.length && found.length <= limit; i++) {
      const record = parseRecord(lines[i]!);
      if (record) found.push({ index: i, record });
    }
    const page = found.slice(0, limit);
    const result: LogPage = { records: page.map((f) => f.record) };
    if (found.length > limit) result.next_cursor = encodeCursor(page.at(-1)!.index + 1);
    const first = page[0]?.index ?? start;
    if (hasRecordBefore(lines, first)) result.prev_cursor = encodeCursor(first);
    return result;
  }

  async count(key: string): Promise<number> {
    assertLogKey(key);
    return (this.logs.get(key)?.lines ?? []).filter((line) => parseRecord(line) !== undefined).length;
  }

  async remove(key: string): Promise<void> {
    assertLogKey(key);
    this.logs.delete(key);
  }

  async truncate(key: string): Promise<void> {
    assertLogKey(key);
    if (this.logs.has(key)) this.logs.set(key, { lines: [] });
  }

  private logOf(key: string): MemoryLog {
    let log = this.logs.get(key);
    if (!log) {
      log = { lines: [] };
      this.logs.set(key, log);
    }
    return log;
  }

  private position(lines: string[], cursor: string): number {
    const index = decodeCursor(cursor);
    if (index > lines.length) throw badCursor("is out of range");
    return index;
  }
}

function hasRecordFrom(lines: string[], start: number): boolean {
  for (let i = start; i < lines.length; i++) if (parseRecord(lines[i]!) !== undefined) return true;
  return false;
}

function hasRecordBefore(lines: string[], end: number): boolean {
  for (let i = end - 1; i >= 0; i--) if (parseRecord(lines[i]!) !== undefined) return true;
  return false;
}
