import { type Day, type Month, utcDay, utcMonth } from "./ledger-periods.js";
import { countsTowardSpend, type LedgerRow, roundCents, UNKNOWN_MODEL } from "./ledger-rows.js";
import { z } from "./zod.js";

export const UsageTotalsSchema = z
  .object({
    tokens: z.object({
      input: z.number(),
      output: z.number(),
      cache_read: z.number(),
      cache_write: z.number(),
    }),
    cost_cents: z.number(),
    /** Finished runs. */
    runs: z.number(),
    /** Provider calls of native runs. */
    calls: z.number(),
  })
  .openapi("UsageTotals");

export type UsageTotals = z.infer<typeof UsageTotalsSchema>;

/** Tokens and cost over a range of UTC days, from the ledger. */
export const UsageReportSchema = z.object({
  /** First and last UTC day covered (YYYY-MM-DD), both included. */
  from: z.string(),
  to: z.string(),
  total: UsageTotalsSchema,
  by_agent: z.record(z.string(), UsageTotalsSchema),
  by_model: z.record(z.string(), UsageTotalsSchema),
  by_day: z.record(z.string(), UsageTotalsSchema),
});

export type UsageReport = z.infer<typeof UsageReportSchema>;

export const emptyTotals = (): UsageTotals => ({
  tokens: { input: 0, output: 0, cache_read: 0, cache_write: 0 },
  cost_cents: 0,
  runs: 0,
  calls: 0,
});

function addRow(totals: UsageTotals, row: LedgerRow): void {
  if (row.kind === "run") totals.runs++;
  else totals.calls++;
  if (!countsTowardSpend(row)) return;
  totals.tokens.input += row.tokens.input;
  totals.tokens.output += row.tokens.output;
  totals.tokens.cache_read += row.tokens.cache_read ?? 0;
  totals.tokens.cache_write += row.tokens.cache_write ?? 0;
  totals.cost_cents += row.cost_cents;
}

function addTotals(into: UsageTotals, from: UsageTotals): void {
  into.runs += from.runs;
  into.calls += from.calls;
  into.tokens.input += from.tokens.input;
  into.tokens.output += from.tokens.output;
  into.tokens.cache_read += from.tokens.cache_read;
  into.tokens.cache_write += from.tokens.cache_write;
  into.cost_cents += from.cost_cents;
}

function entry(group: Record<string, UsageTotals>, key: string): UsageTotals {
  group[key] ??= emptyTotals();
  return group[key];
}

interface Cell {
  day: Day;
  agent: string;
  model: string;
  totals: UsageTotals;
}

/**
 * Usage per (UTC day, agent, model): small however many rows there are (days × agents × models), and
 * enough to answer every telemetry breakdown over any range of days.
 */
export class UsageTable {
  private readonly cells = new Map<string, Cell>();

  add(row: LedgerRow): void {
    const day = utcDay(new Date(row.ts));
    const model = row.model ?? UNKNOWN_MODEL;
    const key = `${day}\u0000${row.agent_id}\u0000${model}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { day, agent: row.agent_id, model, totals: emptyTotals() };
      this.cells.set(key, cell);
    }
    addRow(cell.totals, row);
  }

  /** Adds this table's cells for the days `from`..`to` to a report being built. */
  addTo(report: UsageReport): void {
    for (const cell of this.cells.values()) {
      if (cell.day < report.from || cell.day > report.to) continue;
      addTotals(report.total, cell.totals);
      addTotals(entry(report.by_agent, cell.agent), cell.totals);
      addTotals(entry(report.by_model, cell.model), cell.totals);
      addTotals(entry(report.by_day, cell.day), cell.totals);
    }
  }
}

export function emptyReport(from: Day, to: Day): UsageReport {
  // Keyed by agent ids and model names: no prototype, so no name can collide with Object's own keys.
  const group = () => Object.create(null) as Record<string, UsageTotals>;
  return { from, to, total: emptyTotals(), by_agent: group(), by_model: group(), by_day: group() };
}

/** Rounds every cost of a finished report and sorts its days. */
export function finishReport(report: UsageReport): UsageReport {
  const round = (totals: UsageTotals) => {
    totals.cost_cents = roundCents(totals.cost_cents);
  };
  round(report.total);
  for (const group of [report.by_agent, report.by_model, report.by_day]) Object.values(group).forEach(round);
  report.by_day = Object.fromEntries(Object.entries(report.by_day).sort(([a], [b]) => a.localeCompare(b)));
  return report;
}

export interface Spend {
  /** Cents spent today (UTC). */
  today: number;
  /** Cents spent this month (UTC). */
  month: number;
}

/**
 * Spend of the current UTC day and month, global and per agent: budget checks read two map entries.
 * Rows may arrive in any order; a row of a later period starts that period afresh.
 */
export class SpendCounters {
  private day: Day = "";
  private month: Month = "";
  private dayTotal = 0;
  private monthTotal = 0;
  private readonly dayByAgent = new Map<string, number>();
  private readonly monthByAgent = new Map<string, number>();

  add(row: LedgerRow): void {
    if (!countsTowardSpend(row) || row.cost_cents === 0) return;
    const at = new Date(row.ts);
    const [day, month] = [utcDay(at), utcMonth(at)];
    if (month > this.month) {
      this.month = month;
      this.monthTotal = 0;
      this.monthByAgent.clear();
    }
    if (day > this.day) {
      this.day = day;
      this.dayTotal = 0;
      this.dayByAgent.clear();
    }
    const cents = row.cost_cents;
    if (month === this.month) {
      this.monthTotal += cents;
      this.monthByAgent.set(row.agent_id, (this.monthByAgent.get(row.agent_id) ?? 0) + cents);
    }
    if (day === this.day) {
      this.dayTotal += cents;
      this.dayByAgent.set(row.agent_id, (this.dayByAgent.get(row.agent_id) ?? 0) + cents);
    }
  }

  /** Spend in the periods that contain `now`, of one agent or (without one) of every agent. */
  spent(now: Date, agentId?: string): Spend {
    const today = utcDay(now) === this.day;
    const thisMonth = utcMonth(now) === this.month;
    const of = (total: number, byAgent: Map<string, number>, current: boolean) =>
      current ? roundCents(agentId === undefined ? total : (byAgent.get(agentId) ?? 0)) : 0;
    return {
      today: of(this.dayTotal, this.dayByAgent, today),
      month: of(this.monthTotal, this.monthByAgent, thisMonth),
    };
  }

  /** Agents with spend this month (for priming budget warnings after a restart). */
  agents(): string[] {
    return [...this.monthByAgent.keys()];
  }
}
