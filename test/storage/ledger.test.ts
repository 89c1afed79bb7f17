import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readAll } from "../../storage/append-log.js";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { Ledger, type LedgerRowInput } from "../../storage/ledger.js";
import { daysBetween, isDay, monthsBetween } from "../../storage/ledger-periods.js";

/** A clock the test moves by hand. */
function fakeClock(start: string) {
  let now = new Date(start);
  return {
    now: () => now,
    set: (iso: string) => {
      now = new Date(iso);
    },
  };
}

const executorRun = (over: Partial<LedgerRowInput> = {}): LedgerRowInput => ({
  kind: "run",
  agent_id: "coder",
  session_id: "s1",
  run_id: `r-${Math.random()}`,
  executor: "CLAUDE_CODE",
  model: "opus",
  tokens: { input: 11, output: 7 },
  cost_cents: 1.23,
  status: "completed",
  duration_ms: 900,
  ...over,
});

const call = (runId: string, over: Partial<LedgerRowInput> = {}): LedgerRowInput => ({
  kind: "call",
  agent_id: "native",
  session_id: "s2",
  run_id: runId,
  executor: "viben",
  provider: "stub",
  model: "gpt-x",
  tokens: { input: 100, output: 20, cache_read: 50 },
  cost_cents: 0.5,
  status: "completed",
  duration_ms: 120,
  ...over,
});

async function rowsOf(log: MemoryAppendLog | FsAppendLog, key: string) {
  const rows: Record<string, unknown>[] = [];
  for await (const page of readAll(log, key)) rows.push(...page);
  return rows;
}

describe("ledger periods", () => {
  it("checks calendar days and spans months and days in UTC", () => {
    expect(isDay("2026-02-28")).toBe(true);
    for (const bad of ["2026-02-30", "2026-2-01", "2026-13-01", "yesterday", "2026-11-01T00:00"])
      expect(isDay(bad)).toBe(false);
    expect(monthsBetween("2025-11-15", "2026-02-01")).toEqual(["2025-11", "2025-12", "2026-01", "2026-02"]);
    expect(daysBetween("2026-02-27", "2026-03-01")).toBe(3);
  });
});

describe("Ledger", () => {
  it("writes one row per provider call and per run, and counts a native run's calls once", async () => {
    const clock = fakeClock("2026-11-23T10:00:00.000Z");
    const log = new MemoryAppendLog();
    const ledger = new Ledger({ log, now: clock.now });
    await ledger.load();

    ledger.record(executorRun({ run_id: "exec-1" }));
    ledger.record(call("native-1"));
    ledger.record(call("native-1", { tokens: { input: 10, output: 5 }, cost_cents: 0.25 }));
    const nativeRun = ledger.record({
      ...executorRun({ run_id: "native-1", agent_id: "native", executor: "viben", model: "gpt-x" }),
      provider: "stub",
      tokens: { input: 110, output: 25 },
      cost_cents: 0.75,
    });
    expect(nativeRun.calls).toBe(2);
    await ledger.flush();

    const rows = await rowsOf(log, "ledger:2026-11.jsonl");
    expect(rows.map((r) => [r.kind, r.run_id])).toEqual([
      ["run", "exec-1"],
      ["call", "native-1"],
      ["call", "native-1"],
      ["run", "native-1"],
    ]);
    expect(rows[0]).toEqual({
      kind: "run",
      ts: "2026-11-23T10:00:00.000Z",
      agent_id: "coder",
      session_id: "s1",
      run_id: "exec-1",
      executor: "CLAUDE_CODE",
      model: "opus",
      tokens: { input: 11, output: 7 },
      cost_cents: 1.23,
      status: "completed",
      duration_ms: 900,
    });
    expect(rows[3]).toMatchObject({ calls: 2, cost_cents: 0.75 });

    // 1.23 (executor run) + 0.5 + 0.25 (the native run's calls; its run row is their summary)
    expect(ledger.spent()).toEqual({ today: 1.98, month: 1.98 });
    expect(ledger.spent("native")).toEqual({ today: 0.75, month: 0.75 });
    expect(ledger.spent("nobody")).toEqual({ today: 0, month: 0 });

    const usage = await ledger.usage("2026-11-01", "2026-11-30");
    expect(usage.total).toEqual({
      tokens: { input: 121, output: 32, cache_read: 50, cache_write: 0 },
      cost_cents: 1.98,
      runs: 2,
      calls: 2,
    });
    expect(usage.by_agent.native).toEqual({
      tokens: { input: 110, output: 25, cache_read: 50, cache_write: 0 },
      cost_cents: 0.75,
      runs: 1,
      calls: 2,
    });
    expect(Object.keys(usage.by_model).sort()).toEqual(["gpt-x", "opus"]);
    expect(Object.keys(usage.by_day)).toEqual(["2026-11-23"]);
  });

  it("resets today at 00:00 UTC and the month on the 1st, partitioning rows by month", async () => {
    const clock = fakeClock("2026-11-30T23:59:59.000Z");
    const log = new MemoryAppendLog();
    const ledger = new Ledger({ log, now: clock.now });
    await ledger.load();
    ledger.record(executorRun());
    clock.set("2026-12-01T00:00:00.000Z");
    expect(ledger.spent("coder")).toEqual({ today: 0, month: 0 });
    ledger.record(executorRun({ cost_cents: 2 }));
    clock.set("2026-12-01T23:00:00.000Z");
    ledger.record(executorRun({ cost_cents: 3 }));
    expect(ledger.spent("coder")).toEqual({ today: 5, month: 5 });
    clock.set("2026-12-02T00:00:00.000Z");
    expect(ledger.spent("coder")).toEqual({ today: 0, month: 5 });
    await ledger.flush();

    expect((await rowsOf(log, "ledger:2026-11.jsonl")).map((r) => r.cost_cents)).toEqual([1.23]);
    expect((await rowsOf(log, "ledger:2026-12.jsonl")).map((r) => r.cost_cents)).toEqual([2, 3]);
    const usage = await ledger.usage("2026-11-30", "2026-12-01");
    expect(Object.fromEntries(Object.entries(usage.by_day).map(([d, t]) => [d, t.cost_cents]))).toEqual({
      "2026-11-30": 1.23,
      "2026-12-01": 5,
    });
    expect((await ledger.usage("2026-12-01", "2026-12-01")).total.cost_cents).toBe(5);
  });

  it("rebuilds spend from the month's file after a restart and reads older months on demand", async () => {
    const clock = fakeClock("2026-10-31T12:00:00.000Z");
    const log = new MemoryAppendLog();
    const first = new Ledger({ log, now: clock.now });
    await first.load();
    first.record(executorRun({ agent_id: "old", cost_cents: 9 }));
    clock.set("2026-11-22T12:00:00.000Z");
    first.record(executorRun({ cost_cents: 4 }));
    clock.set("2026-11-23T08:00:00.000Z");
    first.record(executorRun());
    first.record(executorRun({ agent_id: "other", cost_cents: 0.77 }));
    await first.flush();

    const second = new Ledger({ log, now: clock.now });
    await second.load();
    expect(second.spent()).toEqual(first.spent());
    expect(second.spent("coder")).toEqual({ today: 1.23, month: 5.23 });
    expect(second.agentsWithSpend().sort()).toEqual(["coder", "other"]);
    // October is not in memory: it is read from its own file.
    const usage = await second.usage("2026-10-01", "2026-11-30");
    expect(usage.by_agent.old?.cost_cents).toBe(9);
    expect(usage.total.cost_cents).toBe(15);
    expect(usage.total.runs).toBe(4);
  });

  it("skips a torn last line and lines that are not rows, and keeps appending after them", async () => {
    const root = await mkdtemp(join(tmpdir(), "viben-ledger-"));
    try {
      const clock = fakeClock("2026-11-23T08:00:00.000Z");
      const log = new FsAppendLog(root);
      const first = new Ledger({ log, now: clock.now });
      await first.load();
      first.record(executorRun());
      await first.flush();
      const path = join(root, "ledger", "2026-11.jsonl");
      await appendFile(path, '{"kind":"run","nonsense":true}\n{"kind":"run","ts":"2026-11-23T0');

      const second = new Ledger({ log, now: clock.now });
      await second.load();
      expect(second.spent("coder")).toEqual({ today: 1.23, month: 1.23 });
      second.record(executorRun({ cost_cents: 2 }));
      await second.flush();
      const lines = (await readFile(path, "utf8")).split("\n");
      expect(lines).toHaveLength(5); // row, junk, torn, new row, ""
      expect(JSON.parse(lines[3]!)).toMatchObject({ cost_cents: 2 });

      const third = new Ledger({ log, now: clock.now });
      await third.load();
      expect(third.spent("coder")).toEqual({ today: 3.23, month: 3.23 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it("counts a row recorded while the month is loading exactly once", async () => {
    const clock = fakeClock("2026-11-23T08:00:00.000Z");
    const log = new MemoryAppendLog();
    await log.append("ledger:2026-11.jsonl", [{ ...executorRun(), ts: "2026-11-23T07:00:00.000Z" }]);
    const ledger = new Ledger({ log, now: clock.now });
    const loading = ledger.load();
    ledger.record(executorRun({ cost_cents: 2 }));
    await loading;
    await ledger.flush();
    expect(ledger.spent("coder")).toEqual({ today: 3.23, month: 3.23 });
    expect((await ledger.usage("2026-11-23", "2026-11-23")).total.runs).toBe(2);
  });

  it("keeps the in-memory figures when a write fails, and reports the failure", async () => {
    const clock = fakeClock("2026-11-23T08:00:00.000Z");
    const log = new MemoryAppendLog();
    const failures: string[] = [];
    const ledger = new Ledger({ log, now: clock.now, onWriteError: (error) => failures.push(error.message) });
    await ledger.load();
    log.append = async () => {
      throw new Error("disk full");
    };
    ledger.record(executorRun());
    await ledger.flush();
    expect(failures).toEqual(["disk full"]);
    expect(ledger.spent("coder").today).toBe(1.23);
  });

  it("writes the rows recorded together, and those recorded while a write is in flight, in one append each, in order", async () => {
    const clock = fakeClock("2026-03-10T12:00:00Z");
    const log = new MemoryAppendLog();
    const appends: number[] = [];
    const append = log.append.bind(log);
    log.append = async (key, records) => {
      appends.push(records.length);
      return append(key, records);
    };
    const ledger = new Ledger({ log, now: clock.now });
    await ledger.load();
    const ids = ["r1", "r2", "r3", "r4"];
    for (const id of ids.slice(0, 2)) ledger.record(executorRun({ run_id: id }));
    // The first batch is being written: the next rows wait and go together.
    await Promise.resolve();
    for (const id of ids.slice(2)) ledger.record(executorRun({ run_id: id }));
    await ledger.flush();
    expect(appends).toEqual([2, 2]);
    const rows: string[] = [];
    for await (const page of readAll(log, "ledger:2026-03.jsonl"))
      for (const r of page) rows.push(String(r.run_id));
    expect(rows).toEqual(ids);
  });
});
