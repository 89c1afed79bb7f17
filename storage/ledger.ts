import { type AppendLog, readAll } from "./append-log.js";
import {
  emptyReport,
  finishReport,
  type Spend,
  SpendCounters,
  type UsageReport,
  UsageTable,
} from "./ledger-aggregates.js";
import { type Day, ledgerKey, type Month, monthsBetween, utcMonth } from "./ledger-periods.js";
import { type LedgerRow, LedgerRowSchema } from "./ledger-rows.js";

export type { Spend, UsageReport, UsageTotals } from "./ledger-aggregates.js";
export type { Day, Month } from "./ledger-periods.js";
export type { LedgerRow, LedgerTokens } from "./ledger-rows.js";

/** A row as recorded: the ledger stamps `ts` when absent and counts a run's itemised calls. */
export type LedgerRowInput = Omit<LedgerRow, "ts" | "calls"> & { ts?: string };

export interface LedgerOptions {
  log: AppendLog;
  now?: () => Date;
  /** Told when a row could not be written (the in-memory figures keep it; the run is never failed). */
  onWriteError?: (error: Error, row: LedgerRow) => void;
  /** Told of every row as it is recorded (several instances share their spend through it). */
  onRecord?: (row: LedgerRow) => void;
  /**
   * Several instances append to the same (shared) log: usage reports read it rather than this instance's
   * in-memory tables, which only see its own rows.
   */
  reportsFromLog?: boolean;
}

/** Months of usage kept in memory, the newest ones (older ones are read from their file on demand). */
const MONTHS_IN_MEMORY = 3;

/**
 * The spend ledger: append-only rows, one per provider call and one per run, in one log per UTC month
 * (`ledger:YYYY-MM.jsonl`). Spend of the current day and month is kept in memory (rebuilt from the
 * month's file by `load()`), so budget checks cost O(1); usage per day, agent and model is kept for the
 * months seen since start and read back from older files when a report asks for them.
 */
export class Ledger {
  private readonly log: AppendLog;
  private readonly now: () => Date;
  private readonly spend = new SpendCounters();
  /** Complete usage tables of recent months (the month loaded at start and later ones). */
  private readonly months = new Map<Month, UsageTable>();
  /** Call rows recorded per run still running, so its run row can say they are itemised. */
  private readonly callsByRun = new Map<string, number>();
  private writes: Promise<void> = Promise.resolve();
  /** Rows waiting for the write in progress, by log key: they go to disk together (one append, one fsync). */
  private readonly waiting = new Map<string, LedgerRow[]>();
  private loaded: Promise<void> | undefined;

  constructor(private readonly options: LedgerOptions) {
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
  }

  /** Rebuilds the in-memory figures from the current month's file; once, before the first check. */
  load(): Promise<void> {
    if (!this.loaded) {
      // The table is in place at once and the read is queued ahead of later appends: a row recorded
      // meanwhile is counted in memory now and is not yet in the file the read sees, so never twice.
      const table = new UsageTable();
      this.months.set(utcMonth(this.now()), table);
      this.loaded = this.readMonth(utcMonth(this.now()), (row) => {
        table.add(row);
        this.spend.add(row);
      });
    }
    return this.loaded;
  }

  /** Records a row: in memory at once (the next budget check sees it), on disk in order behind earlier rows. */
  record(input: LedgerRowInput): LedgerRow {
    const row: LedgerRow = { ...input, ts: input.ts ?? this.now().toISOString() };
    if (row.kind === "call") {
      this.callsByRun.set(row.run_id, (this.callsByRun.get(row.run_id) ?? 0) + 1);
    } else {
      const calls = this.callsByRun.get(row.run_id);
      this.callsByRun.delete(row.run_id);
      if (calls) row.calls = calls;
    }
    this.spend.add(row);
    this.options.onRecord?.(row);
    this.tableFor(utcMonth(new Date(row.ts)))?.add(row);
    const key = ledgerKey(utcMonth(new Date(row.ts)));
    const batch = this.waiting.get(key);
    if (batch) {
      batch.push(row);
      return row;
    }
    const rows = [row];
    this.waiting.set(key, rows);
    this.writes = this.writes
      .then(() => {
        this.waiting.delete(key);
        // Flushed within a second (AppendOptions.durable): a power loss may cost the last second's rows.
        return this.log.append(key, rows, { durable: false });
      })
      .catch((error: Error) => {
        for (const failed of rows) this.options.onWriteError?.(error, failed);
      });
    return row;
  }

  /** Cents spent today and this month (UTC) by one agent, or by all of them without `agentId`. */
  spent(agentId?: string): Spend {
    return this.spend.spent(this.now(), agentId);
  }

  /** Agents that spent something this month. */
  agentsWithSpend(): string[] {
    return this.spend.agents();
  }

  /** Tokens and cost by agent, model and day over the UTC days `from`..`to` (both included). */
  async usage(from: Day, to: Day): Promise<UsageReport> {
    const report = emptyReport(from, to);
    if (this.options.reportsFromLog) await this.flush();
    for (const month of monthsBetween(from, to)) {
      const table = this.options.reportsFromLog ? undefined : this.months.get(month);
      if (table) table.addTo(report);
      else {
        const older = new UsageTable();
        await this.readMonth(month, (row) => older.add(row));
        older.addTo(report);
      }
    }
    return finishReport(report);
  }

  /** Every row recorded over the UTC days `from`..`to` (both included), oldest month first, read from the files. */
  async rows(from: Day, to: Day): Promise<LedgerRow[]> {
    const rows: LedgerRow[] = [];
    for (const month of monthsBetween(from, to)) {
      await this.readMonth(month, (row) => {
        const day = row.ts.slice(0, 10);
        if (day >= from && day <= to) rows.push(row);
      });
    }
    return rows;
  }

  /** Resolves once every row recorded so far is written. */
  async flush(): Promise<void> {
    await this.writes;
  }

  /**
   * Visits a month's rows from its file, in the write queue (after earlier appends, before later ones);
   * lines that are not valid rows (a torn write, a hand edit) are skipped.
   */
  private readMonth(month: Month, visit: (row: LedgerRow) => void): Promise<void> {
    const read = this.writes.then(async () => {
      for await (const page of readAll(this.log, ledgerKey(month))) {
        for (const record of page) {
          const parsed = LedgerRowSchema.safeParse(record);
          if (parsed.success) visit(parsed.data);
        }
      }
    });
    this.writes = read.catch(() => undefined);
    return read;
  }

  /** The in-memory table a new row of `month` belongs to; a month newer than all kept ones starts one. */
  private tableFor(month: Month): UsageTable | undefined {
    const existing = this.months.get(month);
    if (existing || this.months.size === 0) return existing;
    const newest = [...this.months.keys()].sort().at(-1)!;
    if (month < newest) return undefined;
    const table = new UsageTable();
    this.months.set(month, table);
    for (const old of [...this.months.keys()].sort().slice(0, -MONTHS_IN_MEMORY)) this.months.delete(old);
    return table;
  }
}
