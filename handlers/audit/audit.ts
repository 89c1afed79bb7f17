import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AuditEntry, AuditEntrySchema } from "../capabilities/audit.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, limitQuery } from "../lib/schemas.js";

/** `/api/audit` answers in this gateway's shapes; `/audit` in OpenVesper's (bare arrays, oldest first). */
export type AuditSpelling = "api" | "root";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

// A bare date names the whole UTC day: `from` its first millisecond, `to` its last.
const time = (edge: "start" | "end", description: string) =>
  z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 date or date-time")
    .transform((v) => (DAY.test(v) ? `${v}T${edge === "start" ? "00:00:00.000" : "23:59:59.999"}Z` : v))
    .optional()
    .openapi({ type: "string", description, example: "2026-12-02" });

const day = z
  .string()
  .regex(DAY, "must be a UTC date, YYYY-MM-DD")
  .optional()
  .openapi({ description: "One UTC day (instead of from/to)" });

const FilterQuery = z.object({
  actor: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .openapi({ description: "API key name, `local`, `hook:<name>`, `system`" }),
  action: z.string().min(1).max(128).optional().openapi({
    description: "An action (`api.post`) or its family (`key` matches `key.used`, `key.create`)",
  }),
  resource: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .openapi({ description: "A resource or anything under it (`/api/agent` matches `/api/agent/x`)" }),
  from: time("start", "Earliest time (included); a bare date is its start"),
  to: time("end", "Latest time (included); a bare date is its end"),
  date: day,
});

const ListQuery = FilterQuery.extend({
  limit: limitQuery(100),
  cursor: z.string().max(64).optional().openapi({ description: "next_cursor from the previous page" }),
});

const StatsSchema = z
  .object({
    date: z.string().optional().openapi({ description: "The day asked for (OpenVesper)" }),
    from: z.string(),
    to: z.string(),
    total: z.number(),
    byKind: z.record(z.string(), z.number()).openapi({ description: "Entries per action (OpenVesper)" }),
    by_action: z.record(z.string(), z.number()),
    by_actor: z.record(z.string(), z.number()),
    by_outcome: z.record(z.string(), z.number()),
  })
  .openapi("AuditStats");

const opId = (spelling: AuditSpelling, name: string) => (spelling === "api" ? name : `${name}OpenVesper`);

function entryView(entry: AuditEntry) {
  const timestamp = Date.parse(entry.ts);
  return {
    ...entry,
    timestamp,
    isoTime: entry.ts,
    event: {
      kind: entry.action,
      ...(entry.resource ? { resource: entry.resource } : {}),
      ...entry.details,
    },
  };
}

/** The time range of a query: `date` names one day; otherwise from/to as given. */
function range(query: { from?: string; to?: string; date?: string }) {
  if (query.date) return { from: `${query.date}T00:00:00.000Z`, to: `${query.date}T23:59:59.999Z` };
  return { from: query.from, to: query.to };
}

/**
 * The audit trail (OpenVesper's `/audit`, `/audit/stats`, `/audit/dates`, and their /api homes): who did
 * what, filtered by actor, action, resource and time, newest first in pages.
 */
export function createAuditRouter(spelling: AuditSpelling) {
  const audit = (c: Context<AppEnv>) => requireCapability(c.get("services"), "audit");
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: opId(spelling, "listAuditEntries"),
        tags: ["Audit"],
        summary: "Audit entries, filtered by actor, action, resource and time, a page at a time",
        request: { query: ListQuery },
        responses: {
          200:
            spelling === "api"
              ? jsonContent(
                  z
                    .object({
                      entries: z.array(AuditEntrySchema),
                      count: z.number(),
                      next_cursor: z.string().optional(),
                    })
                    .openapi("AuditPage"),
                  "Newest first; pass next_cursor back as cursor for older entries",
                )
              : jsonContent(
                  z.array(AuditEntrySchema),
                  "Oldest first (OpenVesper); X-Next-Cursor names the page of older entries",
                ),
          ...errorResponses(501),
        },
      }),
      async (c) => {
        const query = c.req.valid("query");
        const page = await audit(c).query({
          actor: query.actor,
          action: query.action,
          resource: query.resource,
          ...range(query),
          limit: query.limit ?? 100,
          cursor: query.cursor,
        });
        const entries = page.entries.map(entryView);
        if (spelling === "api") {
          return c.json(
            {
              entries,
              count: entries.length,
              ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
            },
            200,
          );
        }
        if (page.next_cursor) c.header("X-Next-Cursor", page.next_cursor);
        return c.json(entries.reverse(), 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/stats",
        operationId: opId(spelling, "getAuditStats"),
        tags: ["Audit"],
        summary: "Audit entries counted by action, actor and outcome (one UTC day, today by default)",
        request: { query: FilterQuery },
        responses: { 200: jsonContent(StatsSchema, "Counts over the range"), ...errorResponses(501) },
      }),
      async (c) => {
        const query = c.req.valid("query");
        const services = c.get("services");
        const today = services.clock.now().toISOString().slice(0, 10);
        const date = query.date ?? (query.from || query.to ? undefined : today);
        const { from, to } = range({ ...query, date });
        const stats = await audit(c).stats({
          actor: query.actor,
          action: query.action,
          resource: query.resource,
          from: from ?? "0000-01-01T00:00:00.000Z",
          to: to ?? "9999-12-31T23:59:59.999Z",
        });
        return c.json({ ...(date ? { date } : {}), ...stats, byKind: stats.by_action }, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/dates",
        operationId: opId(spelling, "listAuditDates"),
        tags: ["Audit"],
        summary: "UTC days that have audit entries, oldest first",
        responses: {
          200:
            spelling === "api"
              ? jsonContent(z.object({ dates: z.array(z.string()) }), "Days as YYYY-MM-DD")
              : jsonContent(z.array(z.string()), "Days as YYYY-MM-DD (OpenVesper)"),
          ...errorResponses(501),
        },
      }),
      async (c) => {
        const dates = await audit(c).dates();
        return c.json(spelling === "api" ? { dates } : dates, 200);
      },
    );
}
