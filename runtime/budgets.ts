import type { EventBus } from "../handlers/capabilities/events.js";
import type { Logger } from "../handlers/capabilities/logger.js";
import { DomainError } from "../storage/errors.js";
import type { BudgetsConfig } from "../storage/gateway-config.js";
import type { Spend } from "../storage/ledger.js";
import { utcDay, utcMonth } from "../storage/ledger-periods.js";
import { roundCents } from "../storage/ledger-rows.js";

export type BudgetScope = "global" | "agent";
export type BudgetPeriod = "daily" | "monthly";

/** One limit that applies to a run, with what has been spent against it in the current period. */
export interface BudgetStanding {
  scope: BudgetScope;
  agent_id?: string;
  period: BudgetPeriod;
  spent_cents: number;
  limit_cents: number;
}

export interface BudgetsOptions {
  /** Spend of the current UTC day and month (the ledger's in-memory counters). */
  spend: { spent(agentId?: string): Spend; agentsWithSpend(): string[] };
  /** gateway.yaml `budgets:` as currently in force (re-read on change). */
  config: () => Promise<BudgetsConfig | undefined>;
  events?: EventBus;
  logger?: Logger;
  now?: () => Date;
}

/**
 * Budgets per agent and global, per UTC day and month (gateway.yaml `budgets:`). A run is refused with
 * 402 BUDGET_EXCEEDED once spend has reached a limit (a run already going is never cut short, so the
 * last run may overshoot). After spend is recorded, `budget_warning` is published the first time a
 * limit's `warn_at` fraction (and then the limit itself) is reached in a period.
 */
export class Budgets {
  /** Thresholds already announced, by period key (a UTC day or month); older periods are dropped. */
  private readonly warned = new Map<string, Set<string>>();
  private readonly now: () => Date;

  constructor(private readonly options: BudgetsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The limits that apply to the agent, with current spend. */
  async standings(agentId: string): Promise<BudgetStanding[]> {
    const config = await this.options.config();
    if (!config) return [];
    const agentLimits = Object.hasOwn(config.agents, agentId) ? config.agents[agentId] : undefined;
    const agentSpend = this.options.spend.spent(agentId);
    const globalSpend = this.options.spend.spent();
    const standings: BudgetStanding[] = [];
    const add = (scope: BudgetScope, period: BudgetPeriod, limit: number | undefined, spent: number) => {
      if (limit === undefined) return;
      standings.push({
        scope,
        ...(scope === "agent" ? { agent_id: agentId } : {}),
        period,
        spent_cents: spent,
        limit_cents: limit,
      });
    };
    add("agent", "daily", agentLimits?.daily_cents, agentSpend.today);
    add("agent", "monthly", agentLimits?.monthly_cents, agentSpend.month);
    add("global", "daily", config.daily_cents, globalSpend.today);
    add("global", "monthly", config.monthly_cents, globalSpend.month);
    return standings;
  }

  /** Throws 402 BUDGET_EXCEEDED when spend has reached any limit that applies to the agent. */
  async check(agent: { id: string }): Promise<void> {
    const exceeded = (await this.standings(agent.id)).find((s) => s.spent_cents >= s.limit_cents);
    if (!exceeded) return;
    const which =
      exceeded.scope === "global"
        ? `the global ${exceeded.period} budget`
        : `the ${exceeded.period} budget of agent '${agent.id}'`;
    throw new DomainError(
      "payment_required",
      "BUDGET_EXCEEDED",
      `${which} is used up: spent ${exceeded.spent_cents} of ${exceeded.limit_cents} cents`,
      { ...exceeded, agent_id: agent.id },
    );
  }

  /** Publishes `budget_warning` for each limit of the agent (and global) that spend has newly reached. */
  async afterSpend(agentId: string): Promise<void> {
    await this.announce(agentId, true);
  }

  /** Marks thresholds already reached (e.g. before a restart) as announced, so they are not announced again. */
  async prime(): Promise<void> {
    const config = await this.options.config();
    const agents = new Set([...this.options.spend.agentsWithSpend(), ...Object.keys(config?.agents ?? {})]);
    for (const agentId of agents) await this.announce(agentId, false);
  }

  private async announce(agentId: string, publish: boolean): Promise<void> {
    const config = await this.options.config();
    if (!config) return;
    const thresholds = [...new Set([config.warn_at, 1])].sort((a, b) => a - b);
    const now = this.now();
    const periodKeys: Record<BudgetPeriod, string> = { daily: utcDay(now), monthly: utcMonth(now) };
    this.forgetOldPeriods(Object.values(periodKeys));
    for (const standing of await this.standings(agentId)) {
      if (standing.limit_cents <= 0) continue; // a zero limit refuses every run; there is nothing to approach
      const fraction = standing.spent_cents / standing.limit_cents;
      const reached = thresholds.filter((t) => fraction >= t);
      const periodKey = periodKeys[standing.period];
      const seen = this.warned.get(periodKey) ?? new Set<string>();
      this.warned.set(periodKey, seen);
      const keyOf = (t: number) =>
        `${standing.scope}\u0000${standing.agent_id ?? ""}\u0000${standing.limit_cents}\u0000${t}`;
      const fresh = reached.filter((t) => !seen.has(keyOf(t)));
      if (fresh.length === 0) continue;
      for (const t of reached) seen.add(keyOf(t));
      // One event per crossing: a run that jumps past several thresholds reports the highest.
      if (publish) this.publish(standing, fraction, fresh.at(-1)!);
    }
  }

  private publish(standing: BudgetStanding, fraction: number, threshold: number): void {
    const event = {
      type: "budget_warning",
      scope: standing.scope,
      ...(standing.agent_id ? { agent_id: standing.agent_id } : {}),
      period: standing.period,
      spent_cents: roundCents(standing.spent_cents),
      limit_cents: standing.limit_cents,
      fraction: Math.round(fraction * 10_000) / 10_000,
      threshold,
    };
    this.options.events?.publish(event);
    this.options.logger?.warn({ msg: "budget warning", ...event });
  }

  private forgetOldPeriods(current: string[]): void {
    for (const key of this.warned.keys()) if (!current.includes(key)) this.warned.delete(key);
  }
}
