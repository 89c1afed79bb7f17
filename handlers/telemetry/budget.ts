import { z } from "@hono/zod-openapi";
import { writeGlobalBudget } from "../../storage/gateway-budget.js";
import type { BudgetsConfig } from "../../storage/gateway-config.js";
import { utcDay } from "../../storage/ledger-periods.js";
import { costReport } from "../../storage/ledger-queries.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const BudgetSchema = z
  .object({
    configured: z.boolean().openapi({ description: "Whether gateway.yaml has a `budgets:` section" }),
    monthly_budget_cents: z.number().nullable().openapi({ description: "budgets.monthly_cents" }),
    daily_budget_cents: z.number().nullable().openapi({ description: "budgets.daily_cents" }),
    warn_pct: z.number().nullable().openapi({ description: "budgets.warn_at as a percentage" }),
    spent_month_cents: z.number().optional().openapi({ description: "Spend this UTC month" }),
    note: z.string().optional(),
  })
  .openapi("Budget");

const BudgetUpdateSchema = z
  .object({
    monthly_budget_cents: z.number().nonnegative().nullable().optional(),
    daily_budget_cents: z.number().nonnegative().nullable().optional(),
    warn_pct: z.number().int().min(1).max(100).optional(),
  })
  .openapi("BudgetUpdate", { description: "null removes a limit; absent keeps it" });

async function monthSpend(services: Services): Promise<number | undefined> {
  const rows = services.telemetry?.ledgerRows;
  if (!rows) return undefined;
  const now = services.clock.now();
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const all = await rows.call(services.telemetry, utcDay(start), utcDay(now));
  return costReport(all, { from: start, to: now }, "model").summary.total_cost_cents;
}

async function budgetView(services: Services, budgets: BudgetsConfig | undefined) {
  const spent = await monthSpend(services);
  return {
    configured: budgets !== undefined,
    monthly_budget_cents: budgets?.monthly_cents ?? null,
    daily_budget_cents: budgets?.daily_cents ?? null,
    warn_pct: budgets ? Math.round(budgets.warn_at * 100) : null,
    ...(spent === undefined ? {} : { spent_month_cents: spent }),
    ...(budgets ? {} : { note: "No budgets section in gateway.yaml: runs are not limited" }),
  };
}

/**
 * /api/budget: the global monthly budget as the Ryvos settings page reads and writes it, kept in
 * gateway.yaml `budgets:` (monthly_cents, daily_cents, warn_at); per-agent limits are edited in the file.
 */
export const budgetRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "getBudget",
      tags: ["Telemetry"],
      summary: "The global spend limits and this month's spend (Ryvos)",
      responses: { 200: jsonContent(BudgetSchema, "The budget"), ...errorResponses(422) },
    }),
    async (c) => c.json(await budgetView(c.get("services"), c.get("gatewayConfig").budgets), 200),
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/",
      operationId: "updateBudget",
      tags: ["Telemetry"],
      summary: "Set the global monthly (and daily) limit and the warning percentage; applies to the next run",
      request: { body: jsonBody(BudgetUpdateSchema) },
      responses: {
        200: jsonContent(BudgetSchema.extend({ ok: z.boolean() }), "The budget now in force"),
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      await writeGlobalBudget(services.scopes.global(), {
        monthly_cents: body.monthly_budget_cents,
        daily_cents: body.daily_budget_cents,
        ...(body.warn_pct === undefined ? {} : { warn_at: body.warn_pct / 100 }),
      });
      const config = await services.gatewayConfig.get();
      return c.json({ ok: true, ...(await budgetView(services, config.budgets)) }, 200);
    },
  );
