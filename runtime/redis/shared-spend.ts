import type { Logger } from "../../handlers/capabilities/logger.js";
import type { Spend } from "../../storage/ledger-aggregates.js";
import { utcDay, utcMonth } from "../../storage/ledger-periods.js";
import { countsTowardSpend, type LedgerRow, roundCents } from "../../storage/ledger-rows.js";
import type { RedisConnection } from "./connection.js";

/**
 * Budgets' running spend across instances: every instance adds its runs' cost to Redis hashes of the
 * current UTC day and month (`<prefix>:spend:day:<YYYY-MM-DD>`, `<prefix>:spend:month:<YYYY-MM>`, a field
 * per agent and `*` for all) and tells the others over pub/sub; each keeps a mirror of the two periods
 * (loaded at start), so a budget check stays a map read. Spend recorded before multi-instance mode was on
 * stays in each instance's own ledger and is not counted here.
 */
export interface SharedSpend {
  spent(agentId?: string): Spend;
  agentsWithSpend(): string[];
  /** A ledger row this instance recorded (only cost that counts toward budgets is added). */
  record(row: LedgerRow): void;
}

interface Period {
  key: string;
  byAgent: Map<string, number>;
}

const ALL = "*";
const KEEP_MS = 40 * 24 * 3600 * 1000;

export async function redisSharedSpend(
  redis: RedisConnection,
  instanceId: string,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<SharedSpend> {
  const channel = redis.key("spend", "added");
  const hashOf = (kind: "day" | "month", key: string) => redis.key("spend", kind, key);
  const load = async (kind: "day" | "month", key: string): Promise<Period> => {
    const fields = await redis.client.hgetall(hashOf(kind, key));
    return { key, byAgent: new Map(Object.entries(fields).map(([agent, cents]) => [agent, Number(cents)])) };
  };
  let day = await load("day", utcDay(now()));
  let month = await load("month", utcMonth(now()));

  const add = (agent: string, at: Date, cents: number) => {
    const [dayKey, monthKey] = [utcDay(at), utcMonth(at)];
    // A later period starts afresh; a late message of an earlier one no longer counts.
    if (monthKey > month.key) month = { key: monthKey, byAgent: new Map() };
    if (dayKey > day.key) day = { key: dayKey, byAgent: new Map() };
    for (const period of [day, month]) {
      if (period.key !== dayKey && period.key !== monthKey) continue;
      for (const field of [agent, ALL]) period.byAgent.set(field, (period.byAgent.get(field) ?? 0) + cents);
    }
  };

  const subscriber = redis.open("spend");
  subscriber.on("message", (_channel: string, text: string) => {
    try {
      const { from, agent, at, cents } = JSON.parse(text) as Record<string, unknown>;
      if (from === instanceId || typeof agent !== "string" || typeof at !== "string") return;
      if (typeof cents !== "number") return;
      add(agent, new Date(at), cents);
    } catch {
      // Not one of ours.
    }
  });
  await subscriber.subscribe(channel);

  const current = (period: Period, key: string, agentId?: string) =>
    period.key === key ? roundCents(period.byAgent.get(agentId ?? ALL) ?? 0) : 0;
  return {
    spent(agentId) {
      const at = now();
      return { today: current(day, utcDay(at), agentId), month: current(month, utcMonth(at), agentId) };
    },
    agentsWithSpend() {
      return [...month.byAgent.keys()].filter((agent) => agent !== ALL);
    },
    record(row) {
      if (!countsTowardSpend(row) || row.cost_cents === 0) return;
      const at = new Date(row.ts);
      add(row.agent_id, at, row.cost_cents);
      const [dayKey, monthKey] = [hashOf("day", utcDay(at)), hashOf("month", utcMonth(at))];
      redis.client
        .multi()
        .hincrbyfloat(dayKey, row.agent_id, row.cost_cents)
        .hincrbyfloat(dayKey, ALL, row.cost_cents)
        .hincrbyfloat(monthKey, row.agent_id, row.cost_cents)
        .hincrbyfloat(monthKey, ALL, row.cost_cents)
        .pexpire(dayKey, KEEP_MS)
        .pexpire(monthKey, KEEP_MS)
        .publish(
          channel,
          JSON.stringify({ from: instanceId, agent: row.agent_id, at: row.ts, cents: row.cost_cents }),
        )
        .exec()
        .catch((error: Error) =>
          logger.warn({ msg: "spend not shared", run_id: row.run_id, error: error.message }),
        );
    },
  };
}
