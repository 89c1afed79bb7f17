import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { AppendLog } from "../../storage/append-log.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import { Ledger } from "../../storage/ledger.js";
import { Budgets } from "../budgets.js";
import type { SharedSpend } from "../redis/shared-spend.js";
import type { RunHooks } from "../runs/run-hooks.js";
import { createAccountingHooks } from "./accounting-hooks.js";
import { GatewayTelemetry } from "./index.js";

export interface AccountingDeps {
  /** The global root's append-only logs (`ledger/YYYY-MM.jsonl` go there). */
  log: AppendLog;
  gatewayConfig: GatewayConfigSource;
  events?: EventBus;
  logger: Logger;
  now?: () => Date;
  /** Several instances: budgets count the spend of all of them (runtime/redis/shared-spend.ts). */
  sharedSpend?: SharedSpend;
}

export interface Accounting {
  ledger: Ledger;
  budgets: Budgets;
  telemetry: GatewayTelemetry;
  /** For the RunManager. */
  hooks: RunHooks;
}

/** Builds the ledger (rebuilt from this month's file), budgets and telemetry, and the run hooks joining them. */
export async function createAccounting(deps: AccountingDeps): Promise<Accounting> {
  const { log, gatewayConfig, events, logger, now, sharedSpend } = deps;
  const ledger = new Ledger({
    log,
    now,
    onWriteError: (error, row) =>
      logger.error({ msg: "could not write a ledger row", run_id: row.run_id, error: error.message }),
    onRecord: sharedSpend ? (row) => sharedSpend.record(row) : undefined,
    // Several instances share the ledger's log: reports include every instance's rows.
    reportsFromLog: sharedSpend !== undefined,
  });
  await ledger.load();
  const budgets = new Budgets({
    spend: sharedSpend ?? ledger,
    config: async () => (await gatewayConfig.get()).budgets,
    events,
    logger,
    now,
  });
  await budgets.prime();
  const telemetry = new GatewayTelemetry({ usage: ledger, now });
  const hooks = createAccountingHooks({ ledger, budgets, telemetry, logger });
  return { ledger, budgets, telemetry, hooks };
}
