import type { UsageReport } from "../../storage/ledger.js";

/** One HTTP request as the request-metrics middleware saw it. */
export interface RequestSample {
  method: string;
  /** The matched route pattern (`/api/agent/:id`), never the raw path, so series stay few. */
  route: string;
  status: number;
  seconds: number;
}

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RouteStats {
  method: string;
  route: string;
  count: number;
  status_classes: Record<string, number>;
  latency_ms: LatencyStats;
}

export interface RunStats {
  count: number;
  by_status: Record<string, number>;
  duration_ms: LatencyStats;
  by_executor: Record<
    string,
    { count: number; by_status: Record<string, number>; duration_ms: LatencyStats }
  >;
}

export interface TelemetryReport {
  /** When the in-memory request and run figures started (the gateway's start). */
  since: string;
  requests: Record<string, RouteStats>;
  runs: RunStats;
  /** From the ledger, over the requested UTC days. */
  tokens_and_cost: UsageReport;
}

/** Request, run, token and cost figures (Node); absent on Workers, where /api/telemetry answers 501. */
export interface Telemetry {
  recordRequest(sample: RequestSample): void;
  /** `from` and `to` are UTC days (YYYY-MM-DD), both included. */
  report(range: { from: string; to: string }): Promise<TelemetryReport>;
  /** The Prometheus text exposition format, version 0.0.4. */
  prometheus(): string;
}
