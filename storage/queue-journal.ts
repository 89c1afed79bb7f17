import { type AppendLog, type AppendOptions, readAll } from "./append-log.js";
import { type JournalEntry, JournalEntrySchema } from "./queue-schemas.js";

export const QUEUE_JOURNAL_KEY = "queue:journal.jsonl";
export const QUEUE_SNAPSHOT_KEY = "queue:snapshot.jsonl";

export interface LoadedJournal {
  /** The latest snapshot of every job, in no particular order. */
  entries: JournalEntry[];
  /** Lines that were not valid journal entries (hand edits, a newer format); they are dropped at compaction. */
  skipped: number;
  /** The highest `rev` and `seq` seen, so new lines continue above them. */
  lastRev: number;
  lastSeq: number;
}

interface PendingWrite {
  entries: JournalEntry[];
  durable: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The queue's durable state: an append-only journal of job snapshots (`~/.viben/queue/journal.jsonl`)
 * over a compacted base (`snapshot.jsonl`), both AppendLogs, so every write is an fsync'd append and a
 * torn last line after a crash is skipped. Lines are folded by the highest `rev` per job, which makes
 * replay order-independent and lets compaction be crash-safe without a rename (see `compact`).
 *
 * Appends are group-committed: while one batch is being written and synced, later appends gather into the
 * next batch, so many jobs finishing together cost one fsync rather than one each.
 */
export class QueueJournal {
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly log: AppendLog) {}

  async load(): Promise<LoadedJournal> {
    const latest = new Map<string, JournalEntry>();
    let skipped = 0;
    let lastRev = 0;
    let lastSeq = 0;
    for (const key of [QUEUE_SNAPSHOT_KEY, QUEUE_JOURNAL_KEY]) {
      for await (const page of readAll(this.log, key)) {
        for (const record of page) {
          const parsed = JournalEntrySchema.safeParse(record);
          if (!parsed.success) {
            skipped++;
            continue;
          }
          const entry = parsed.data;
          lastRev = Math.max(lastRev, entry.rev);
          lastSeq = Math.max(lastSeq, entry.seq);
          const current = latest.get(entry.job.id);
          if (!current || current.rev < entry.rev) latest.set(entry.job.id, entry);
        }
      }
    }
    return { entries: [...latest.values()], skipped, lastRev, lastSeq };
  }

  /**
   * Replaces both files by `entries`. The order makes every crash point safe: (1) the entries are
   * appended to the journal, which then holds the whole state by itself; (2) the snapshot is rewritten
   * (a crash here leaves a partial snapshot, harmless beside the complete journal); (3) only then is the
   * journal emptied. Must not run concurrently with `append` (the queue compacts before it starts).
   */
  async compact(entries: JournalEntry[]): Promise<void> {
    await this.flushed();
    if (entries.length > 0) await this.log.append(QUEUE_JOURNAL_KEY, entries);
    await this.log.truncate(QUEUE_SNAPSHOT_KEY);
    if (entries.length > 0) await this.log.append(QUEUE_SNAPSHOT_KEY, entries);
    await this.log.truncate(QUEUE_JOURNAL_KEY);
  }

  /**
   * Appends snapshots; resolves once they are written, and on disk (fsync'd) unless `durable: false`
   * (flushed within a second: for lines recovery can do without, see AppendOptions).
   */
  append(entries: JournalEntry[], options: AppendOptions = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entries, durable: options.durable !== false, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves when every append so far has been written. */
  async flushed(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.log.append(
          QUEUE_JOURNAL_KEY,
          batch.flatMap((write) => write.entries),
          // One flush covers the batch: it is durable if any of its writes must be.
          { durable: batch.some((write) => write.durable) },
        );
        for (const write of batch) write.resolve();
      } catch (error) {
        for (const write of batch) write.reject(error);
      }
    }
    this.flushing = undefined;
  }
}
