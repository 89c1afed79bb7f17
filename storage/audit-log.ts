import { type AppendLog, type LogRecord, readAll } from "./append-log.js";
import { invalid } from "./errors.js";

/** One audit record as stored: who (`actor`, a key name or `local`, never a secret) did what to what. */
export interface AuditEntry {
  /** Unique within the log: `<day>.<ordinal>` is not stable across torn lines, so a random id is stored. */
  id: string;
  ts: string;
  actor: string;
  action: string;
  resource?: string;
  /** `ok`, `denied`, `error`: how it ended, where that is known. */
  outcome?: string;
  details?: Record<string, unknown>;
}

export type AuditInput = Omit<AuditEntry, "id" | "ts"> & { ts?: string };

export interface AuditFilter {
  actor?: string;
  /** Exact action, or its family: `key` matches `key.used`, `key.create`, … */
  action?: string;
  /** Exact resource, or anything under it: `/api/agent` matches `/api/agent/x`. */
  resource?: string;
  /** ISO times, both included. */
  from?: string;
  to?: string;
}

export interface AuditPageRequest extends AuditFilter {
  limit: number;
  cursor?: string;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** Pass back as `cursor` for the next (older) page; absent on the last page. */
  next_cursor?: string;
}

export interface AuditStats {
  from: string;
  to: string;
  total: number;
  by_action: Record<string, number>;
  by_actor: Record<string, number>;
  by_outcome: Record<string, number>;
}

export interface AuditLogOptions {
  log: AppendLog;
  now?: () => Date;
  /** Days that have a file (`YYYY-MM-DD`), from the runtime's listing; days written by this process are added. */
  listDays?: () => Promise<string[]>;
  /** Told when a batch could not be written (it is not retried: the audit never fails a request). */
  onWriteError?: (error: Error, count: number) => void;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The file of one UTC day: `audit/YYYY-MM-DD.jsonl` under the global data folder. */
export const auditKey = (day: string) => `audit:${day}.jsonl`;
const KEY_USE_WINDOW_MS = 60_000;

/**
 * The append-only audit log, one JSON-lines file per UTC day. `record` never waits for the disk: entries
 * queue in memory and each write takes everything queued since the last one (group commit), so a burst of
 * requests costs one append per day file; `flush` (called on shutdown) resolves once all of it is written.
 * Readers skip torn and foreign lines (storage/append-log.ts), so a crash mid-write loses at most the
 * batch being written.
 */
export class AuditLog {
  private readonly now: () => Date;
  private queued: AuditEntry[] = [];
  private writing: Promise<void> | undefined;
  private readonly daysWritten = new Set<string>();
  /** When each key name was last seen, and the minute its use was last recorded (coalescing). */
  private readonly keyUse = new Map<string, { last: string; recordedAt: number }>();

  constructor(private readonly options: AuditLogOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Queues an entry; it is written with the next batch. Returns it as it will be stored. */
  record(input: AuditInput): AuditEntry {
    const entry: AuditEntry = { id: crypto.randomUUID(), ...input, ts: input.ts ?? this.now().toISOString() };
    this.queued.push(entry);
    this.writing ??= this.drain();
    return entry;
  }

  /**
   * Notes that a key was used: its last use is kept in memory, and an entry is recorded only the first
   * time in each minute, so a hot key does not write on every request.
   */
  keyUsed(name: string, details: Record<string, unknown> = {}): void {
    const now = this.now();
    const seen = this.keyUse.get(name);
    const record = !seen || now.getTime() - seen.recordedAt >= KEY_USE_WINDOW_MS;
    this.keyUse.set(name, { last: now.toISOString(), recordedAt: record ? now.getTime() : seen.recordedAt });
    if (record) this.record({ actor: name, action: "key.used", resource: `key:${name}`, details });
  }

  /** When each named key was last used: seen since start, else its newest `key.used` entry on file. */
  async lastKeyUses(names: readonly string[], lookBackDays = 90): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const name of names) {
      const seen = this.keyUse.get(name);
      if (seen) found.set(name, seen.last);
    }
    const missing = new Set(names.filter((n) => !found.has(n)));
    if (missing.size === 0) return found;
    const days = (await this.dates()).slice(-lookBackDays).reverse();
    for (const day of days) {
      for (const entry of (await this.readDay(day)).reverse()) {
        if (entry.action !== "key.used" || !missing.has(entry.actor)) continue;
        found.set(entry.actor, entry.ts);
        missing.delete(entry.actor);
      }
      if (missing.size === 0) break;
    }
    return found;
  }

  /** Resolves once every entry recorded so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** UTC days with entries, oldest first. */
  async dates(): Promise<string[]> {
    await this.flush();
    const listed = (await this.options.listDays?.()) ?? [];
    return [...new Set([...listed.filter((d) => DAY.test(d)), ...this.daysWritten])].sort();
  }

  /** A page of entries, newest first, matching the filter. */
  async query(request: AuditPageRequest): Promise<AuditPage> {
    const start = request.cursor === undefined ? undefined : decodeAuditCursor(request.cursor);
    const days = (await this.dates())
      .filter((d) => inDays(d, request.from, request.to))
      .filter((d) => !start || d <= start.day)
      .reverse();
    const entries: AuditEntry[] = [];
    for (const day of days) {
      const all = await this.readDay(day);
      const end = start && day === start.day ? Math.min(start.before, all.length) : all.length;
      for (let i = end - 1; i >= 0; i--) {
        const entry = all[i]!;
        if (!matches(entry, request)) continue;
        if (entries.length === request.limit) {
          return { entries, next_cursor: encodeAuditCursor(day, i + 1) };
        }
        entries.push(entry);
      }
    }
    return { entries };
  }

  /** Counts by action, actor and outcome over a time range (both ends included). */
  async stats(filter: AuditFilter & { from: string; to: string }): Promise<AuditStats> {
    const stats: AuditStats = {
      from: filter.from,
      to: filter.to,
      total: 0,
      by_action: {},
      by_actor: {},
      by_outcome: {},
    };
    for (const day of (await this.dates()).filter((d) => inDays(d, filter.from, filter.to))) {
      for (const entry of await this.readDay(day)) {
        if (!matches(entry, filter)) continue;
        stats.total++;
        bump(stats.by_action, entry.action);
        bump(stats.by_actor, entry.actor);
        if (entry.outcome) bump(stats.by_outcome, entry.outcome);
      }
    }
    return stats;
  }

  /** Readable entries of one day's file, in file order (torn lines and foreign records skipped). */
  private async readDay(day: string): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    for await (const page of readAll(this.options.log, auditKey(day))) {
      for (const record of page) if (isEntry(record)) entries.push(record);
    }
    return entries;
  }

  /** Writes queued entries in batches until none are left; a batch is one append per day file. */
  private async drain(): Promise<void> {
    // Lets the rest of the current tick queue its entries into the same batch.
    await Promise.resolve();
    try {
      while (this.queued.length > 0) {
        const batch = this.queued;
        this.queued = [];
        const byDay = new Map<string, AuditEntry[]>();
        for (const entry of batch) {
          const day = entry.ts.slice(0, 10);
          const list = byDay.get(day);
          if (list) list.push(entry);
          else byDay.set(day, [entry]);
        }
        for (const [day, entries] of byDay) {
          try {
            // Flushed within a second (AppendOptions.durable), not per request.
            await this.options.log.append(auditKey(day), entries, { durable: false });
            this.daysWritten.add(day);
          } catch (error) {
            this.options.onWriteError?.(error as Error, entries.length);
          }
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function isEntry(record: LogRecord): record is LogRecord & AuditEntry {
  return (
    typeof record.id === "string" &&
    typeof record.ts === "string" &&
    typeof record.actor === "string" &&
    typeof record.action === "string"
  );
}

function inDays(day: string, from?: string, to?: string): boolean {
  return (!from || day >= from.slice(0, 10)) && (!to || day <= to.slice(0, 10));
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.actor !== undefined && entry.actor !== filter.actor) return false;
  if (
    filter.action !== undefined &&
    entry.action !== filter.action &&
    !entry.action.startsWith(`${filter.action}.`)
  )
    return false;
  if (filter.resource !== undefined) {
    const resource = entry.resource ?? "";
    const base = filter.resource.replace(/\/+$/, "");
    if (resource !== filter.resource && resource !== base && !resource.startsWith(`${base}/`)) return false;
  }
  const time = Date.parse(entry.ts);
  if (filter.from !== undefined && time < Date.parse(filter.from)) return false;
  if (filter.to !== undefined && time > Date.parse(filter.to)) return false;
  return true;
}

// A cursor names a day file and the ordinal of the first readable entry not yet returned; files only grow
// and unreadable lines are skipped the same way on every read, so ordinals stay put.
function encodeAuditCursor(day: string, before: number): string {
  return btoa(`${day}.${before}`).replace(/=+$/, "");
}

function decodeAuditCursor(cursor: string): { day: string; before: number } {
  let text = "";
  try {
    text = /^[A-Za-z0-9+/]{1,40}$/.test(cursor) ? atob(cursor) : "";
  } catch {
    text = "";
  }
  const match = /^(\d{4}-\d{2}-\d{2})\.(\d{1,9})$/.exec(text);
  if (!match) throw invalid("cursor", "is malformed (use next_cursor from a previous page)");
  return { day: match[1]!, before: Number(match[2]) };
}
