import { countsTowardSpend, type LedgerRow, roundCents, UNKNOWN_MODEL } from "./ledger-rows.js";
import { z } from "./zod.js";

/** One finished run as the Ryvos dashboard lists it (`GET /api/runs`), with our ids and outcome beside. */
export const RunHistoryEntrySchema = z
  .object({
    id: z.string().openapi({ description: "The run's id (= run_id)" }),
    run_id: z.string(),
    session_id: z.string(),
    agent_id: z.string(),
    executor: z.string(),
    model: z.string().nullable(),
    provider: z.string().nullable(),
    status: z.string(),
    input_tokens: z.number(),
    output_tokens: z.number(),
    cost_cents: z.number(),
    duration_ms: z.number(),
    started_at: z.string().nullable(),
    finished_at: z.string(),
    error: z.string().optional(),
  })
  .openapi("RunHistoryEntry");

export type RunHistoryEntry = z.infer<typeof RunHistoryEntrySchema>;

function runEntry(row: LedgerRow): RunHistoryEntry {
  return {
    id: row.run_id,
    run_id: row.run_id,
    session_id: row.session_id,
    agent_id: row.agent_id,
    executor: row.executor,
    model: row.model ?? null,
    provider: row.provider ?? null,
    status: row.status,
    input_tokens: row.tokens.input,
    output_tokens: row.tokens.output,
    cost_cents: roundCents(row.cost_cents),
    duration_ms: row.duration_ms,
    started_at: row.started_at ?? null,
    finished_at: row.ts,
    ...(row.error ? { error: row.error } : {}),
  };
}

/** Finished runs, newest first, one page of them and how many there are. */
export function runHistoryPage(
  rows: readonly LedgerRow[],
  page: { limit: number; offset: number },
): { runs: RunHistoryEntry[]; total: number } {
  const runs = rows.filter((r) => r.kind === "run").sort((a, b) => b.ts.localeCompare(a.ts));
  return { runs: runs.slice(page.offset, page.offset + page.limit).map(runEntry), total: runs.length };
}

export const COST_GROUPS = ["model", "provider", "session", "agent"] as const;
export type CostGroup = (typeof COST_GROUPS)[number];

export const CostReportSchema = z
  .object({
    summary: z.object({
      total_cost_cents: z.number(),
      total_input_tokens: z.number(),
      total_output_tokens: z.number(),
      total_events: z.number().openapi({ description: "Ledger rows counted (provider calls and runs)" }),
    }),
    breakdown: z.array(
      z.object({
        key: z.string(),
        cost_cents: z.number(),
        input_tokens: z.number(),
        output_tokens: z.number(),
      }),
    ),
  })
  .openapi("CostReport");

export type CostReport = z.infer<typeof CostReportSchema>;

const groupKey: Record<CostGroup, (row: LedgerRow) => string> = {
  model: (row) => row.model ?? UNKNOWN_MODEL,
  provider: (row) => row.provider ?? row.executor,
  session: (row) => row.session_id,
  agent: (row) => row.agent_id,
};

/**
 * Spend between two instants, in total and per group, most expensive first. Rows whose tokens are itemised
 * by their calls are not counted twice (countsTowardSpend); a row without a provider is grouped under its
 * executor, a row without a model under "unknown".
 */
export function costReport(
  rows: readonly LedgerRow[],
  range: { from: Date; to: Date },
  groupBy: CostGroup,
): CostReport {
  const [from, to] = [range.from.getTime(), range.to.getTime()];
  const summary = { total_cost_cents: 0, total_input_tokens: 0, total_output_tokens: 0, total_events: 0 };
  const groups = new Map<string, CostReport["breakdown"][number]>();
  for (const row of rows) {
    const at = Date.parse(row.ts);
    if (at < from || at > to || !countsTowardSpend(row)) continue;
    summary.total_events++;
    summary.total_cost_cents += row.cost_cents;
    summary.total_input_tokens += row.tokens.input;
    summary.total_output_tokens += row.tokens.output;
    const key = groupKey[groupBy](row);
    const group = groups.get(key) ?? { key, cost_cents: 0, input_tokens: 0, output_tokens: 0 };
    group.cost_cents += row.cost_cents;
    group.input_tokens += row.tokens.input;
    group.output_tokens += row.tokens.output;
    groups.set(key, group);
  }
  summary.total_cost_cents = roundCents(summary.total_cost_cents);
  const breakdown = [...groups.values()]
    .map((g) => ({ ...g, cost_cents: roundCents(g.cost_cents) }))
    .sort((a, b) => b.cost_cents - a.cost_cents || a.key.localeCompare(b.key));
  return { summary, breakdown };
}
