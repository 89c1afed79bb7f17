import { z } from "@hono/zod-openapi";
import { daysBetween, isDay, utcDay } from "../storage/ledger-periods.js";
import type { Telemetry } from "./capabilities.js";
import type { Services } from "./context.js";
import { ApiError, badRequest } from "./errors.js";
import { createRouter } from "./lib/app-factory.js";
import { defineRoute } from "./lib/roles.js";
import { errorResponses, jsonContent } from "./lib/schemas.js";

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
/** The longest range of days one report reads (each month of it is a ledger file). */
const MAX_RANGE_DAYS = 366;

const day = (what: string) =>
  z
    .string()
    .refine(isDay, "must be a calendar date written YYYY-MM-DD")
    .optional()
    .openapi({ description: what, example: "2026-11-01" });

const TelemetryQuerySchema = z.object({
  from: day("First UTC day of tokens_and_cost (default: the first day of `to`'s month)"),
  to: day("Last UTC day of tokens_and_cost, included (default: today)"),
});

const Latency = z
  .object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number(), mean: z.number() })
  .openapi("LatencyStats");
const Counts = z.record(z.string(), z.number());
const Totals = z
  .object({
    tokens: z.object({
      input: z.number(),
      output: z.number(),
      cache_read: z.number(),
      cache_write: z.number(),
    }),
    cost_cents: z.number(),
    runs: z.number(),
    calls: z.number(),
  })
  .openapi("UsageTotals");

const TelemetrySchema = z
  .object({
    since: z.string().openapi({ description: "When the request and run figures started (gateway start)" }),
    requests: z.record(
      z.string(),
      z.object({
        method: z.string(),
        route: z.string(),
        count: z.number(),
        status_classes: Counts,
        latency_ms: Latency,
      }),
    ),
    runs: z.object({
      count: z.number(),
      by_status: Counts,
      duration_ms: Latency,
      by_executor: z.record(
        z.string(),
        z.object({ count: z.number(), by_status: Counts, duration_ms: Latency }),
      ),
    }),
    tokens_and_cost: z.object({
      from: z.string(),
      to: z.string(),
      total: Totals,
      by_agent: z.record(z.string(), Totals),
      by_model: z.record(z.string(), Totals),
      by_day: z.record(z.string(), Totals),
    }),
  })
  .openapi("Telemetry");

function requireTelemetry(services: Services): Telemetry {
  if (!services.telemetry) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `telemetry is not available in the ${services.runtime} runtime`,
      { runtime: services.runtime },
    );
  }
  return services.telemetry;
}

/** The UTC days a report covers: defaults filled in, order and length checked. */
function reportRange(query: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = query.to ?? utcDay(now);
  const from = query.from ?? `${to.slice(0, 8)}01`;
  if (from > to) throw badRequest("VALIDATION_ERROR", `from: ${from} is after to (${to})`, { field: "from" });
  if (daysBetween(from, to) > MAX_RANGE_DAYS) {
    throw badRequest("VALIDATION_ERROR", `from: the range may span at most ${MAX_RANGE_DAYS} days`, {
      field: "from",
    });
  }
  return { from, to };
}

/** /api/telemetry: requests, runs, tokens and cost as JSON, and the same as Prometheus metrics. */
export const telemetryRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "getTelemetry",
      tags: ["Telemetry"],
      summary: "Requests per route, runs by outcome, and tokens and cost by agent, model and day",
      request: { query: TelemetryQuerySchema },
      responses: {
        200: jsonContent(TelemetrySchema, "Figures since start; tokens and cost over the UTC days asked"),
        ...errorResponses(400, 401, 403, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const telemetry = requireTelemetry(services);
      const range = reportRange(c.req.valid("query"), services.clock.now());
      return c.json(await telemetry.report(range), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/metrics",
      operationId: "getTelemetryMetrics",
      tags: ["Telemetry"],
      summary: "Prometheus metrics (text exposition format 0.0.4)",
      responses: {
        200: { description: "Metrics", content: { "text/plain": { schema: z.string() } } },
        ...errorResponses(401, 403, 501),
      },
    }),
    (c) => {
      const telemetry = requireTelemetry(c.get("services"));
      return c.text(telemetry.prometheus(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
    },
  );
