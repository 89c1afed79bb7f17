import { invalid } from "./errors.js";

/**
 * Append-only JSON-lines logs addressed by key (`sessions:<sid>:messages.jsonl`). Appending never rewrites
 * what is there, so its cost does not grow with the log; reads page from either end with opaque cursors.
 *
 * Crash tolerance, shared by every driver: a last line without its newline (a torn write) is not a record,
 * and the next append ends it first so the records after it stay readable; lines that are not JSON objects
 * are skipped wherever they are.
 */
export interface AppendLog {
  /** Appends the records as one batch, in order (durably, where the driver can; see AppendOptions). */
  append(key: string, records: readonly object[], options?: AppendOptions): Promise<void>;
  /** The newest `limit` records before `before` (the end when absent), oldest first. */
  readTail(key: string, options: TailOptions): Promise<LogPage>;
  /** The oldest `limit` records from `after` on (the start when absent), oldest first. */
  readFrom(key: string, options: FromOptions): Promise<LogPage>;
  /** Number of readable records; may read the whole log. */
  count?(key: string): Promise<number>;
  /** Deletes the log; a missing log is not an error. */
  remove(key: string): Promise<void>;
  /** Empties the log; a missing log is not an error. Cursors into it become meaningless. */
  truncate(key: string): Promise<void>;
}

export interface AppendOptions {
  /**
   * `false`: written at once, so a crash of the gateway loses nothing, but flushed to the disk within a
   * second rather than before the append resolves (fsync'd every second, as Redis' `appendfsync everysec`):
   * a power loss may cost the last second. For trails whose last second may be lost that way (audit,
   * history, ledger, a run's end). Drivers without a disk of their own ignore it.
   */
  durable?: boolean;
}

/** A position between two records. Opaque to callers; only valid for the log that issued it. */
export type Cursor = string;

export type LogRecord = Record<string, unknown>;

export interface TailOptions {
  limit: number;
  before?: Cursor;
}

export interface FromOptions {
  limit: number;
  after?: Cursor;
}

export interface LogPage {
  /** Chronological order. */
  records: LogRecord[];
  /** `before` for the page of older records; absent when none exist. */
  prev_cursor?: Cursor;
  /** `after` for the page of newer records; absent when none exist (at the time of the read). */
  next_cursor?: Cursor;
}

export const MAX_PAGE_SIZE = 10_000;

export function checkLimit(limit: unknown, field = "limit"): number {
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE)
    throw invalid(field, `must be an integer from 1 to ${MAX_PAGE_SIZE}`, { value: limit });
  return limit;
}

// Cursors are base64url of a decimal position (a byte offset or a line index, depending on the driver).
export function encodeCursor(position: number): Cursor {
  return btoa(String(position)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== "string" || !/^[A-Za-z0-9_-]{1,24}$/.test(cursor)) throw badCursor("is malformed");
  let text: string;
  try {
    text = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw badCursor("is malformed");
  }
  if (!/^(0|[1-9]\d{0,15})$/.test(text)) throw badCursor("is malformed");
  const position = Number(text);
  if (!Number.isSafeInteger(position)) throw badCursor("is malformed");
  return position;
}

export const badCursor = (problem: string) =>
  invalid("cursor", `${problem} (use a cursor from a previous page)`);

/**
 * Keys look like unstorage keys (`a:b:c.jsonl`, `/` accepted as a separator too); drivers map segments to
 * path components, so empty, `.` and `..` segments and control characters are refused.
 */
export function assertLogKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 1024)
    throw invalid("key", "must be a non-empty string of at most 1024 characters");
  if (/[\u0000-\u001f\u007f\\]/.test(key))
    throw invalid("key", "must not contain control characters or '\\'");
  for (const segment of key.split(/[:/]/)) {
    if (segment === "" || segment === "." || segment === "..")
      throw invalid("key", "must not contain empty, '.' or '..' segments", { key });
  }
  return key;
}

/** One line per record. JSON.stringify escapes newlines inside strings, so a record never spans lines. */
export function serialiseRecords(records: readonly object[]): string {
  let text = "";
  records.forEach((record, i) => {
    if (typeof record !== "object" || record === null || Array.isArray(record))
      throw invalid(`records.${i}`, "must be a JSON object");
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      throw invalid(`records.${i}`, `cannot be serialised: ${(error as Error).message}`);
    }
    text += `${line}\n`;
  });
  return text;
}

/** The record on a line, or undefined for anything that is not a JSON object (skipped by readers). */
export function parseRecord(line: string): LogRecord | undefined {
  if (line.length < 2) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as LogRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every record of a log, oldest first, a page at a time. */
export async function* readAll(log: AppendLog, key: string, pageSize = 1000): AsyncGenerator<LogRecord[]> {
  let after: Cursor | undefined;
  for (;;) {
    const page = await log.readFrom(
      key,
      after === undefined ? { limit: pageSize } : { limit: pageSize, after },
    );
    if (page.records.length > 0) yield page.records;
    if (!page.next_cursor) return;
    after = page.next_cursor;
  }
}
