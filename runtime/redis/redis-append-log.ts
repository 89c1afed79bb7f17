import type { Redis } from "ioredis";
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
} from "../../storage/append-log.js";

/**
 * Append-only logs in Redis (multi-instance mode): one LIST per log whose elements are its lines, read
 * with the memory and fs drivers' rules (cursors are line indexes; lines that are not JSON objects are
 * skipped). An append is one script call, so a batch lands whole and in order even with several
 * instances appending to the same log. Whatever follows the last newline of raw text (what a torn write
 * leaves in a file; here only `appendRaw`, used by migration and tests) is kept beside the list and
 * ended by the next append, as the other drivers do.
 */
const APPEND = `
local torn = redis.call('GET', KEYS[2])
if torn then
  redis.call('RPUSH', KEYS[1], torn)
  redis.call('DEL', KEYS[2])
end
-- Lua's unpack takes a few thousand values at most: push in slices, still inside this one (atomic) call.
local length = 0
for i = 1, #ARGV, 4000 do
  length = redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 3999, #ARGV)))
end
return length`;

/** ARGV[1] the raw text: joined to a torn rest, split into lines, its own rest kept as torn. */
const APPEND_RAW = `
local text = (redis.call('GET', KEYS[2]) or '') .. ARGV[1]
redis.call('DEL', KEYS[2])
local start = 1
while true do
  local newline = string.find(text, '\\n', start, true)
  if not newline then break end
  redis.call('RPUSH', KEYS[1], string.sub(text, start, newline - 1))
  start = newline + 1
end
if start <= string.len(text) then redis.call('SET', KEYS[2], string.sub(text, start)) end
return 1`;

/** Lines fetched per round trip while looking for records. */
const CHUNK = 256;

export class RedisAppendLog implements AppendLog {
  constructor(
    private readonly client: Redis,
    /** The Redis key of a log key (`sessions:s1:messages.jsonl` → `<prefix>:log:sessions:s1:messages.jsonl`). */
    private readonly keyOf: (logKey: string) => string,
  ) {}

  async append(key: string, records: readonly object[]): Promise<void> {
    assertLogKey(key);
    if (records.length === 0) return;
    const lines = serialiseRecords(records).slice(0, -1).split("\n");
    // One call however large the batch (split across calls, another instance's append could land inside it);
    // keys and lines as one array, which ioredis flattens, so a huge batch is not spread into a JS call.
    await this.client.eval(APPEND, 2, [this.keyOf(key), this.tornKey(key), ...lines]);
  }

  /** Appends raw text as a file would take it (migration of a log file, tests). */
  async appendRaw(key: string, text: string): Promise<void> {
    assertLogKey(key);
    await this.client.eval(APPEND_RAW, 2, this.keyOf(key), this.tornKey(key), text);
  }

  async readTail(key: string, options: TailOptions): Promise<LogPage> {
    assertLogKey(key);
    const limit = checkLimit(options.limit);
    const length = await this.client.llen(this.keyOf(key));
    const before = options.before === undefined ? length : position(options.before, length);
    const found: { index: number; record: LogRecord }[] = [];
    for (let end = before; end > 0 && found.length <= limit; end -= CHUNK) {
      const start = Math.max(0, end - CHUNK);
      const lines = await this.client.lrange(this.keyOf(key), start, end - 1);
      for (let i = lines.length - 1; i >= 0 && found.length <= limit; i--) {
        const record = parseRecord(lines[i]!);
        if (record) found.push({ index: start + i, record });
      }
    }
    const page = found.slice(0, limit).reverse();
    const result: LogPage = { records: page.map((f) => f.record) };
    if (found.length > limit) result.prev_cursor = encodeCursor(page[0]!.index);
    if (options.before !== undefined && (await this.firstRecordFrom(key, before, length)) !== undefined)
      result.next_cursor = encodeCursor(before);
    return result;
  }

  async readFrom(key: string, options: FromOptions): Promise<LogPage> {
    assertLogKey(key);
    const limit = checkLimit(options.limit);
    const length = await this.client.llen(this.keyOf(key));
    const start = options.after === undefined ? 0 : position(options.after, length);
    const found: { index: number; record: LogRecord }[] = [];
    for (let from = start; from < length && found.length <= limit; from += CHUNK) {
      const lines = await this.client.lrange(this.keyOf(key), from, Math.min(length, from + CHUNK) - 1);
      for (let i = 0; i < lines.length && found.length <= limit; i++) {
        const record = parseRecord(lines[i]!);
        if (record) found.push({ index: from + i, record });
      }
    }
    const page = found.slice(0, limit);
    const result: LogPage = { records: page.map((f) => f.record) };
    if (found.length > limit) result.next_cursor = encodeCursor(page.at(-1)!.index + 1);
    const first = page[0]?.index ?? start;
    if (await this.hasRecordBefore(key, first)) result.prev_cursor = encodeCursor(first);
    return result;
  }

  async count(key: string): Promise<number> {
    assertLogKey(key);
    let count = 0;
    const length = await this.client.llen(this.keyOf(key));
    for (let from = 0; from < length; from += CHUNK * 4) {
      const lines = await this.client.lrange(this.keyOf(key), from, from + CHUNK * 4 - 1);
      count += lines.filter((line) => parseRecord(line) !== undefined).length;
    }
    return count;
  }

  async remove(key: string): Promise<void> {
    assertLogKey(key);
    await this.client.del(this.keyOf(key), this.tornKey(key));
  }

  async truncate(key: string): Promise<void> {
    await this.remove(key);
  }

  private tornKey(key: string): string {
    return `${this.keyOf(key)}#torn`;
  }

  private async firstRecordFrom(key: string, start: number, length: number): Promise<number | undefined> {
    for (let from = start; from < length; from += CHUNK) {
      const lines = await this.client.lrange(this.keyOf(key), from, from + CHUNK - 1);
      const at = lines.findIndex((line) => parseRecord(line) !== undefined);
      if (at !== -1) return from + at;
    }
    return undefined;
  }

  private async hasRecordBefore(key: string, end: number): Promise<boolean> {
    for (let stop = end; stop > 0; stop -= CHUNK) {
      const lines = await this.client.lrange(this.keyOf(key), Math.max(0, stop - CHUNK), stop - 1);
      if (lines.some((line) => parseRecord(line) !== undefined)) return true;
    }
    return false;
  }
}

function position(cursor: string, length: number): number {
  const index = decodeCursor(cursor);
  if (index > length) throw badCursor("is out of range");
  return index;
}
