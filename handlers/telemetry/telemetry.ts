import { z } from "@hono/zod-openapi";
import { daysBetween, isDay, utcDay } from "../../storage/ledger-periods.js";
import { TelemetryReportSchema } from "../capabilities/telemetry.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

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
        200: jsonContent(
          TelemetryReportSchema,
          "Figures since start; tokens and cost over the UTC days asked",
        ),
        ...errorResponses(400, 401, 403, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const telemetry = requireCapability(services, "telemetry");
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
      const telemetry = requireCapability(c.get("services"), "telemetry");
      return c.text(telemetry.prometheus(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
    },
  );
