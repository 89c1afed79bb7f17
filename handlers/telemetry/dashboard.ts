import { z } from "@hono/zod-openapi";
import { utcDay } from "../../storage/ledger-periods.js";
import {
  COST_GROUPS,
  CostReportSchema,
  costReport,
  RunHistoryEntrySchema,
  runHistoryPage,
} from "../../storage/ledger-queries.js";
import type { Services } from "../context.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

const DAY_MS = 86_400_000;
/** How far back the run history and cost reports read the ledger (one file per month). */
const WINDOW_DAYS = 366;
const TAGS = ["Telemetry"];

/** The ledger's rows over the days that `from`..`to` touch (UTC), or 501 where the runtime keeps no ledger. */
async function ledgerRows(services: Services, from: Date, to: Date) {
  const telemetry = requireCapability(services, "telemetry");
  return (await telemetry.ledgerRows?.(utcDay(from), utcDay(to))) ?? [];
}

const instant = (what: string) =>
  z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), "must be an RFC 3339 timestamp or a YYYY-MM-DD date")
    .optional()
    .openapi({ description: what, example: "2026-11-01T00:00:00Z" });

const CostsQuery = z.object({
  from: instant("Start of the range (default: 30 days before `to`)"),
  to: instant("End of the range, included (default: now)"),
  group_by: z.enum(COST_GROUPS).optional().openapi({ description: "Breakdown key (default model)" }),
});

const RunsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: "Default 50" }),
  offset: z.coerce.number().int().min(0).optional().openapi({ type: "integer", description: "Default 0" }),
});

const MetricsSchema = z
  .object({
    total_runs: z.number().openapi({ description: `Finished runs over the last ${WINDOW_DAYS} days` }),
    active_sessions: z.number().openapi({ description: "Sessions with a run going now" }),
    total_tokens: z.number().openapi({ description: "Input and output tokens this UTC month" }),
    total_cost_cents: z.number().openapi({ description: "Spend this UTC month" }),
    monthly_budget_cents: z.number().openapi({ description: "gateway.yaml budgets.monthly_cents (0: none)" }),
    budget_utilization_pct: z.number(),
    uptime_secs: z.number(),
  })
  .openapi("DashboardMetrics");

/**
 * The Ryvos dashboard's monitoring routes (crates/ryvos-gateway/src/routes.rs: metrics, runs, costs), read
 * from the spend ledger. Mounted at /api.
 */
export const dashboardRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/runs",
      operationId: "listRunHistory",
      tags: TAGS,
      summary: `Finished runs, newest first, with tokens and cost (the last ${WINDOW_DAYS} days; Ryvos)`,
      request: { query: RunsQuery },
      responses: {
        200: jsonContent(
          z.object({
            runs: z.array(RunHistoryEntrySchema),
            total: z.number(),
            offset: z.number(),
            limit: z.number(),
          }),
          "A page of runs",
        ),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { limit = 50, offset = 0 } = c.req.valid("query");
      const now = services.clock.now();
      const rows = await ledgerRows(services, new Date(now.getTime() - (WINDOW_DAYS - 1) * DAY_MS), now);
      return c.json({ ...runHistoryPage(rows, { limit, offset }), offset, limit }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/costs",
      operationId: "getCostReport",
      tags: TAGS,
      summary: "Spend and tokens between two instants, grouped by model, provider, session or agent (Ryvos)",
      request: { query: CostsQuery },
      responses: {
        200: jsonContent(
          CostReportSchema.extend({ from: z.string(), to: z.string(), group_by: z.enum(COST_GROUPS) }),
          "The report",
        ),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const query = c.req.valid("query");
      const to = query.to ? new Date(query.to) : services.clock.now();
      const from = query.from ? new Date(query.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from > to)
        throw badRequest("VALIDATION_ERROR", `from: ${query.from} is after to`, { field: "from" });
      if (to.getTime() - from.getTime() > WINDOW_DAYS * DAY_MS)
        throw badRequest("VALIDATION_ERROR", `from: the range may span at most ${WINDOW_DAYS} days`, {
          field: "from",
        });
      const groupBy = query.group_by ?? "model";
      const report = costReport(await ledgerRows(services, from, to), { from, to }, groupBy);
      return c.json({ ...report, from: from.toISOString(), to: to.toISOString(), group_by: groupBy }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/metrics",
      operationId: "getDashboardMetrics",
      tags: TAGS,
      summary: "Runs, active sessions, this month's tokens and spend against the budget, uptime (Ryvos)",
      responses: { 200: jsonContent(MetricsSchema, "The figures"), ...errorResponses(501) },
    }),
    async (c) => {
      const services = c.get("services");
      const now = services.clock.now();
      const rows = await ledgerRows(services, new Date(now.getTime() - (WINDOW_DAYS - 1) * DAY_MS), now);
      const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const month = costReport(rows, { from: monthStart, to: now }, "model").summary;
      const running = (await services.sessions?.list())?.filter((s) => s.status === "running");
      const budget = c.get("gatewayConfig").budgets?.monthly_cents ?? 0;
      return c.json(
        {
          total_runs: runHistoryPage(rows, { limit: 0, offset: 0 }).total,
          active_sessions: running?.length ?? 0,
          total_tokens: month.total_input_tokens + month.total_output_tokens,
          total_cost_cents: month.total_cost_cents,
          monthly_budget_cents: budget,
          budget_utilization_pct: budget > 0 ? Math.floor((month.total_cost_cents / budget) * 100) : 0,
          uptime_secs: Math.max(0, Math.floor((now.getTime() - services.startedAt) / 1000)),
        },
        200,
      );
    },
  );
