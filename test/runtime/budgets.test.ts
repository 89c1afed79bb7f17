import { describe, expect, it } from "vitest";
import type { EventInput } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { Budgets } from "../../runtime/budgets.js";
import type { RunSummary } from "../../runtime/runs/run-hooks.js";
import { createAccountingHooks } from "../../runtime/telemetry/accounting-hooks.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { DomainError } from "../../storage/errors.js";
import { type BudgetsConfig, BudgetsSchema, compileGatewayConfig } from "../../storage/gateway-config.js";
import { Ledger } from "../../storage/ledger.js";

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function setup(budgets: Record<string, unknown> | undefined, start = "2026-11-23T10:00:00.000Z") {
  let now = new Date(start);
  const clock = {
    now: () => now,
    set: (iso: string) => {
      now = new Date(iso);
    },
  };
  const log = new MemoryAppendLog();
  const events: EventInput[] = [];
  let config: BudgetsConfig | undefined = budgets ? BudgetsSchema.parse(budgets) : undefined;
  const make = async () => {
    const ledger = new Ledger({ log, now: clock.now });
    await ledger.load();
    const b = new Budgets({
      spend: ledger,
      config: async () => config,
      events: { publish: (e: EventInput) => events.push(e) } as never,
      now: clock.now,
    });
    await b.prime();
    const hooks = createAccountingHooks({ ledger, budgets: b, logger: silentLogger });
    return { ledger, budgets: b, hooks };
  };
  const setConfig = (next: Record<string, unknown>) => {
    config = BudgetsSchema.parse(next);
  };
  return { clock, events, make, setConfig };
}

let runCount = 0;
function summary(agentId: string, cents: number, at: Date): RunSummary {
  runCount++;
  return {
    run_id: `run-${runCount}`,
    session_id: "s",
    agent_id: agentId,
    executor: "CLAUDE_CODE",
    model: "opus",
    status: "completed",
    tokens: { input: 11, output: 7 },
    cost_cents: cents,
    started_at: new Date(at.getTime() - 1000).toISOString(),
    ended_at: at.toISOString(),
    duration_ms: 1000,
  };
}

async function refusal(run: Promise<void>): Promise<DomainError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

const agent = (id: string) => ({ id });

describe("budgets", () => {
  it("refuses a run once an agent's daily spend reaches its limit, with 402 naming budget, spent and limit", async () => {
    const t = setup({ agents: { coder: { daily_cents: 2.46 } } });
    const { hooks } = await t.make();
    await hooks.beforeRun!(agent("coder") as never);
    await hooks.afterRun!(summary("coder", 1.23, t.clock.now()));
    await hooks.beforeRun!(agent("coder") as never);
    await hooks.afterRun!(summary("coder", 1.23, t.clock.now()));
    const error = await refusal(hooks.beforeRun!(agent("coder") as never));
    expect(error.kind).toBe("payment_required");
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(error.message).toBe("the daily budget of agent 'coder' is used up: spent 2.46 of 2.46 cents");
    expect(error.details).toEqual({
      scope: "agent",
      agent_id: "coder",
      period: "daily",
      spent_cents: 2.46,
      limit_cents: 2.46,
    });
    // Other agents have no limit of their own and there is no global one.
    await hooks.beforeRun!(agent("other") as never);
    // The next UTC day starts afresh.
    t.clock.set("2026-11-24T00:00:00.000Z");
    await hooks.beforeRun!(agent("coder") as never);
  });

  it("applies global daily and monthly limits to every agent", async () => {
    const t = setup({ daily_cents: 100, monthly_cents: 3 });
    const { hooks } = await t.make();
    await hooks.afterRun!(summary("a", 1.5, t.clock.now()));
    t.clock.set("2026-11-25T10:00:00.000Z");
    await hooks.afterRun!(summary("b", 1.5, t.clock.now()));
    const error = await refusal(hooks.beforeRun!(agent("c") as never));
    expect(error.message).toBe("the global monthly budget is used up: spent 3 of 3 cents");
    expect(error.details).toMatchObject({ scope: "global", period: "monthly", agent_id: "c" });
    t.clock.set("2026-12-01T00:00:00.000Z");
    await hooks.beforeRun!(agent("c") as never);
  });

  it("refuses everything at a zero limit and nothing without budgets", async () => {
    const zero = await setup({ daily_cents: 0 }).make();
    expect((await refusal(zero.hooks.beforeRun!(agent("a") as never))).kind).toBe("payment_required");
    const none = setup(undefined);
    const { hooks } = await none.make();
    await hooks.afterRun!(summary("a", 1_000_000, none.clock.now()));
    await hooks.beforeRun!(agent("a") as never);
    expect(none.events).toEqual([]);
  });

  it("warns once per period and threshold: at warn_at, then at the limit, again the next day", async () => {
    const t = setup({ warn_at: 0.5, agents: { coder: { daily_cents: 4 } } });
    const { hooks } = await t.make();
    await hooks.afterRun!(summary("coder", 1.23, t.clock.now())); // 31%
    expect(t.events).toEqual([]);
    await hooks.afterRun!(summary("coder", 1.23, t.clock.now())); // 61.5%
    await hooks.afterRun!(summary("coder", 0.5, t.clock.now())); // 74%: already announced
    expect(t.events).toEqual([
      {
        type: "budget_warning",
        scope: "agent",
        agent_id: "coder",
        period: "daily",
        spent_cents: 2.46,
        limit_cents: 4,
        fraction: 0.615,
        threshold: 0.5,
      },
    ]);
    await hooks.afterRun!(summary("coder", 2, t.clock.now())); // 124%
    expect(t.events.at(-1)).toMatchObject({ threshold: 1, fraction: 1.24, spent_cents: 4.96 });
    await hooks.afterRun!(summary("coder", 1, t.clock.now()));
    expect(t.events).toHaveLength(2);

    t.clock.set("2026-11-24T09:00:00.000Z");
    await hooks.afterRun!(summary("coder", 2.5, t.clock.now()));
    expect(t.events).toHaveLength(3);
    expect(t.events.at(-1)).toMatchObject({ threshold: 0.5, spent_cents: 2.5, fraction: 0.625 });
  });

  it("reports a jump past several thresholds once, at the highest, and announces global limits without agent_id", async () => {
    const t = setup({ monthly_cents: 2 });
    const { hooks } = await t.make();
    await hooks.afterRun!(summary("a", 5, t.clock.now()));
    expect(t.events).toEqual([
      {
        type: "budget_warning",
        scope: "global",
        period: "monthly",
        spent_cents: 5,
        limit_cents: 2,
        fraction: 2.5,
        threshold: 1,
      },
    ]);
  });

  it("does not announce again after a restart what was announced before it, but does a raised limit", async () => {
    const t = setup({ warn_at: 0.5, monthly_cents: 4 });
    const first = await t.make();
    await first.hooks.afterRun!(summary("a", 2.5, t.clock.now()));
    expect(t.events).toHaveLength(1);
    await first.ledger.flush();

    const second = await t.make();
    await second.hooks.afterRun!(summary("a", 0.1, t.clock.now()));
    expect(t.events).toHaveLength(1);
    t.setConfig({ warn_at: 0.5, monthly_cents: 5 });
    await second.hooks.afterRun!(summary("a", 0.1, t.clock.now()));
    expect(t.events).toHaveLength(2);
    expect(t.events.at(-1)).toMatchObject({ limit_cents: 5, spent_cents: 2.7, threshold: 0.5 });
  });

  it("counts a native run's provider calls as they happen", async () => {
    const t = setup({ agents: { bot: { daily_cents: 1 } } });
    const { hooks, ledger } = await t.make();
    const usage = {
      run_id: "n1",
      session_id: "s",
      agent_id: "bot",
      provider: "stub",
      model: "m",
      tokens: { input: 10, output: 10 },
      cost_cents: 0.6,
      duration_ms: 5,
    };
    hooks.onProviderCall!(usage);
    hooks.onProviderCall!(usage);
    // Mid-run: a new run of the agent is refused already.
    expect((await refusal(hooks.beforeRun!(agent("bot") as never))).kind).toBe("payment_required");
    await hooks.afterRun!({ ...summary("bot", 1.2, t.clock.now()), run_id: "n1", executor: "viben" });
    expect(ledger.spent("bot").today).toBe(1.2);
  });
});

describe("gateway.yaml budgets", () => {
  it("validates limits and warn_at, naming the field", () => {
    const config = compileGatewayConfig(
      { budgets: { daily_cents: 500, agents: { coder: { monthly_cents: 100 } } } },
      {},
    );
    expect(config.budgets).toEqual({
      daily_cents: 500,
      warn_at: 0.8,
      agents: { coder: { monthly_cents: 100 } },
    });
    expect(compileGatewayConfig({ budgets: null }, {}).budgets).toBeUndefined();
    for (const [budgets, field] of [
      [{ warn_at: 1.5 }, "budgets.warn_at"],
      [{ daily_cents: -1 }, "budgets.daily_cents"],
      [{ agents: { coder: { monthly_cents: "lots" } } }, "budgets.agents.coder.monthly_cents"],
    ] as const) {
      expect(() => compileGatewayConfig({ budgets }, {})).toThrow(field);
    }
  });
});
