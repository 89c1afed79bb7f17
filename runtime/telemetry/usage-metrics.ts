import { countsTowardSpend, type LedgerRow, roundCents, UNKNOWN_MODEL } from "../../storage/ledger-rows.js";
import type { ExpositionWriter } from "./prometheus.js";

const DIRECTIONS = ["input", "output", "cache_read", "cache_write"] as const;

interface UsageSeries {
  agent: string;
  model: string;
  tokens: Record<(typeof DIRECTIONS)[number], number>;
  cents: number;
}

/**
 * Tokens and cost per (agent, model) since the gateway started, as Prometheus counters (they restart at
 * zero with the process, which rate() expects; /api/telemetry reads the ledger for totals).
 */
export class UsageMetrics {
  private readonly series = new Map<string, UsageSeries>();

  record(row: LedgerRow): void {
    if (!countsTowardSpend(row)) return;
    const model = row.model ?? UNKNOWN_MODEL;
    const key = `${row.agent_id}\u0000${model}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        agent: row.agent_id,
        model,
        tokens: { input: 0, output: 0, cache_read: 0, cache_write: 0 },
        cents: 0,
      };
      this.series.set(key, s);
    }
    for (const direction of DIRECTIONS) s.tokens[direction] += row.tokens[direction] ?? 0;
    s.cents += row.cost_cents;
  }

  writeTo(out: ExpositionWriter): void {
    const all = [...this.series.values()];
    out.family("viben_tokens_total", "counter", "Tokens used by agent, model and direction.");
    for (const s of all) {
      for (const direction of DIRECTIONS) {
        if (direction.startsWith("cache") && s.tokens[direction] === 0) continue;
        out.sample("viben_tokens_total", { agent: s.agent, model: s.model, direction }, s.tokens[direction]);
      }
    }
    out.family("viben_cost_cents_total", "counter", "Cost in US cents by agent and model.");
    for (const s of all)
      out.sample("viben_cost_cents_total", { agent: s.agent, model: s.model }, roundCents(s.cents));
  }
}
