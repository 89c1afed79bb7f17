import { describe, expect, it } from "vitest";
import { costReport, runHistoryPage } from "../../storage/ledger-queries.js";
import type { LedgerRow } from "../../storage/ledger-rows.js";

const row = (over: Partial<LedgerRow>): LedgerRow => ({
  kind: "run",
  ts: "2026-11-10T12:00:00.000Z",
  agent_id: "a",
  session_id: "s1",
  run_id: "r1",
  executor: "CLAUDE_CODE",
  model: "m1",
  tokens: { input: 10, output: 5 },
  cost_cents: 1,
  status: "completed",
  duration_ms: 100,
  ...over,
});

describe("ledger queries", () => {
  const rows = [
    row({ run_id: "r1", ts: "2026-11-10T12:00:00.000Z" }),
    row({ run_id: "r2", ts: "2026-11-12T12:00:00.000Z", model: "m2", provider: "anthropic", cost_cents: 3 }),
    // A native run: its calls are itemised, so the run row is listed but not counted again.
    row({ kind: "call", run_id: "r3", ts: "2026-11-13T12:00:00.000Z", executor: "viben", cost_cents: 2 }),
    row({ run_id: "r3", ts: "2026-11-13T12:00:01.000Z", executor: "viben", cost_cents: 2, calls: 1 }),
  ];

  it("pages finished runs newest first", () => {
    const page = runHistoryPage(rows, { limit: 2, offset: 0 });
    expect(page.total).toBe(3);
    expect(page.runs.map((r) => r.id)).toEqual(["r3", "r2"]);
    expect(runHistoryPage(rows, { limit: 2, offset: 2 }).runs.map((r) => r.id)).toEqual(["r1"]);
  });

  it("sums spend once per row in the range and groups it", () => {
    const range = { from: new Date("2026-11-11T00:00:00Z"), to: new Date("2026-11-30T00:00:00Z") };
    const byModel = costReport(rows, range, "model");
    expect(byModel.summary).toEqual({
      total_cost_cents: 5,
      total_input_tokens: 20,
      total_output_tokens: 10,
      total_events: 2,
    });
    expect(byModel.breakdown.map((b) => [b.key, b.cost_cents])).toEqual([
      ["m2", 3],
      ["m1", 2],
    ]);
    // Without a provider a row is grouped under its executor.
    expect(costReport(rows, range, "provider").breakdown.map((b) => b.key)).toEqual(["anthropic", "viben"]);
  });
});
