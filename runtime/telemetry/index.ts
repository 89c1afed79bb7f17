import type { RequestSample, Telemetry, TelemetryReport } from "../../handlers/capabilities/telemetry.js";
import type { LedgerRow, UsageReport } from "../../storage/ledger.js";
import type { RunSummary } from "../runs/run-hooks.js";
import { ExpositionWriter } from "./prometheus.js";
import { RequestMetrics } from "./request-metrics.js";
import { RunMetrics } from "./run-metrics.js";
import { UsageMetrics } from "./usage-metrics.js";

export { createAccountingHooks } from "./accounting-hooks.js";

export interface GatewayTelemetryOptions {
  /** Tokens and cost over a range of UTC days (the ledger). */
  usage: {
    usage(from: string, to: string): Promise<UsageReport>;
    rows?(from: string, to: string): Promise<LedgerRow[]>;
  };
  now?: () => Date;
}

/**
 * The telemetry capability: request and run figures kept in memory since start (bounded: fixed-bucket
 * histograms per route and executor), token and cost counters fed by the ledger's rows, and reports of
 * tokens and cost over any range of days read from the ledger.
 */
export class GatewayTelemetry implements Telemetry {
  readonly requests = new RequestMetrics();
  readonly runs = new RunMetrics();
  readonly tokens = new UsageMetrics();
  private readonly since: string;

  constructor(private readonly options: GatewayTelemetryOptions) {
    this.since = (options.now?.() ?? new Date()).toISOString();
  }

  recordRequest(sample: RequestSample): void {
    this.requests.record(sample);
  }

  recordRun(summary: RunSummary): void {
    this.runs.record(summary);
  }

  recordUsage(row: LedgerRow): void {
    this.tokens.record(row);
  }

  async report(range: { from: string; to: string }): Promise<TelemetryReport> {
    return {
      since: this.since,
      requests: this.requests.report(),
      runs: this.runs.report(),
      tokens_and_cost: await this.options.usage.usage(range.from, range.to),
    };
  }

  async ledgerRows(from: string, to: string): Promise<LedgerRow[]> {
    return (await this.options.usage.rows?.(from, to)) ?? [];
  }

  prometheus(): string {
    const out = new ExpositionWriter();
    this.requests.writeTo(out);
    this.runs.writeTo(out);
    this.tokens.writeTo(out);
    return out.text();
  }
}
