import type { Logger } from "../../handlers/capabilities/logger.js";
import type { Ledger, LedgerRow, LedgerRowInput } from "../../storage/ledger.js";
import type { Budgets } from "../budgets.js";
import type { ProviderCallUsage, RunHooks, RunSummary } from "../runs/run-hooks.js";

/** What telemetry needs to hear about runs and spend (GatewayTelemetry). */
export interface RunTelemetry {
  recordRun(summary: RunSummary): void;
  recordUsage(row: LedgerRow): void;
}

export interface AccountingOptions {
  ledger: Ledger;
  budgets?: Budgets;
  telemetry?: RunTelemetry;
  logger: Logger;
}

/** A ledger row for one provider call of a native run. */
export function callRow(usage: ProviderCallUsage): LedgerRowInput {
  return {
    kind: "call",
    agent_id: usage.agent_id,
    session_id: usage.session_id,
    run_id: usage.run_id,
    executor: "viben",
    provider: usage.provider,
    model: usage.model,
    tokens: usage.tokens,
    cost_cents: usage.cost_cents,
    status: usage.error ? "failed" : "completed",
    duration_ms: usage.duration_ms,
    ...(usage.error ? { error: usage.error } : {}),
  };
}

/** A ledger row for a finished run (executor runs: the usage and cost their CLI reported). */
export function runRow(summary: RunSummary): LedgerRowInput {
  return {
    kind: "run",
    ts: summary.ended_at,
    started_at: summary.started_at,
    agent_id: summary.agent_id,
    session_id: summary.session_id,
    run_id: summary.run_id,
    executor: summary.executor,
    ...(summary.provider ? { provider: summary.provider } : {}),
    ...(summary.model ? { model: summary.model } : {}),
    tokens: summary.tokens,
    cost_cents: summary.cost_cents,
    status: summary.status,
    duration_ms: summary.duration_ms,
  };
}

/**
 * The run hooks of the Node runtime: refuse runs past a budget, write every provider call and run to the
 * ledger, feed telemetry, and announce budget thresholds as spend crosses them.
 */
export function createAccountingHooks(options: AccountingOptions): RunHooks {
  const { ledger, budgets, telemetry, logger } = options;
  const charged = async (row: LedgerRow) => {
    telemetry?.recordUsage(row);
    if (row.cost_cents > 0) await budgets?.afterSpend(row.agent_id);
  };
  return {
    beforeRun: async (agent) => {
      await budgets?.check(agent);
    },
    onProviderCall(usage) {
      charged(ledger.record(callRow(usage))).catch((error: Error) =>
        logger.error({ msg: "budget check after a provider call failed", error: error.message }),
      );
    },
    // Awaited by the run recorder before run_complete, so a budget_warning comes ahead of it.
    async afterRun(summary) {
      const row = ledger.record(runRow(summary));
      telemetry?.recordRun(summary);
      await charged(row);
    },
  };
}
