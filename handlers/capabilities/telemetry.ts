import { z } from "@hono/zod-openapi";
import { UsageReportSchema } from "../../storage/ledger-aggregates.js";
import type { LedgerRow } from "../../storage/ledger-rows.js";

/** One HTTP request as the request-metrics middleware saw it. */
export interface RequestSample {
  method: string;
  /** The matched route pattern (`/api/agent/:id`), never the raw path, so series stay few. */
  route: string;
  status: number;
  seconds: number;
}

export const LatencyStatsSchema = z
  .object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() })
  .openapi("LatencyStats");

const CountsSchema = z.record(z.string(), z.number());

export const RouteStatsSchema = z.object({
  method: z.string(),
  route: z.string(),
  count: z.number(),
  status_classes: CountsSchema,
  latency_ms: LatencyStatsSchema,
});

export const RunStatsSchema = z.object({
  count: z.number(),
  by_status: CountsSchema,
  duration_ms: LatencyStatsSchema,
  by_executor: z.record(
    z.string(),
    z.object({ count: z.number(), by_status: CountsSchema, duration_ms: LatencyStatsSchema }),
  ),
});

/** What `GET /api/telemetry` answers. */
export const TelemetryReportSchema = z
  .object({
    /** When the in-memory request and run figures started (the gateway's start). */
    since: z.string().openapi({ description: "When the request and run figures started (gateway start)" }),
    requests: z.record(z.string(), RouteStatsSchema),
    runs: RunStatsSchema,
    /** From the ledger, over the requested UTC days. */
    tokens_and_cost: UsageReportSchema,
  })
  .openapi("Telemetry");

export type LatencyStats = z.infer<typeof LatencyStatsSchema>;
export type RouteStats = z.infer<typeof RouteStatsSchema>;
export type RunStats = z.infer<typeof RunStatsSchema>;
export type TelemetryReport = z.infer<typeof TelemetryReportSchema>;

/** Request, run, token and cost figures (Node); absent on Workers, where /api/telemetry answers 501. */
export interface Telemetry {
  recordRequest(sample: RequestSample): void;
  /** `from` and `to` are UTC days (YYYY-MM-DD), both included. */
  report(range: { from: string; to: string }): Promise<TelemetryReport>;
  /** The Prometheus text exposition format, version 0.0.4. */
  prometheus(): string;
  /** Ledger rows (provider calls and finished runs) over UTC days `from`..`to`, both included. */
  ledgerRows?(from: string, to: string): Promise<LedgerRow[]>;
}
