import { z } from "@hono/zod-openapi";
import { HistoryStatsSchema } from "../../storage/history.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";

const AgentParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });
const Tokens = z.object({ input: z.number().int().nonnegative(), output: z.number().int().nonnegative() });

const HistoryRecordSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    session_id: z.string().optional(),
    run_id: z.string().optional(),
    prompt: z.string(),
    response_preview: z.string(),
    created_at: z.string(),
    status: z.string(),
    tokens: Tokens,
    cost_cents: z.number(),
  })
  .loose()
  .openapi("HistoryRecord");

/** /api/agent/:id/history: one record per run (added automatically) or per POST. */
export const agentHistoryRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/history",
      operationId: "listAgentHistory",
      tags: ["History"],
      summary: "History records, newest first, optionally filtered by a search term",
      request: {
        params: AgentParams,
        query: z.object({
          limit: limitQuery(50),
          search: z.string().max(500).optional(),
        }),
      },
      responses: {
        200: jsonContent(z.object({ records: z.array(HistoryRecordSchema), total: z.number() }), "Records"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const { history } = requireSessions(c.get("services"));
      const query = c.req.valid("query");
      const result = await history.list(c.req.valid("param").id, {
        limit: query.limit ?? 50,
        search: query.search,
      });
      return c.json(result, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/history",
      operationId: "addAgentHistoryRecord",
      tags: ["History"],
      summary: "Add a history record",
      request: {
        params: AgentParams,
        body: jsonBody(
          z
            .object({
              prompt: z.string().min(1).max(1_000_000),
              response_preview: z.string().max(10_000).optional(),
              session_id: idSchema.optional(),
              status: z.enum(["completed", "failed", "stopped", "timeout"]).optional(),
              tokens: Tokens.optional(),
              cost_cents: z.number().nonnegative().optional(),
            })
            .strict(),
        ),
      },
      responses: { 201: jsonContent(HistoryRecordSchema, "The record"), ...errorResponses(400, 501) },
    }),
    async (c) => {
      const { history } = requireSessions(c.get("services"));
      const body = c.req.valid("json");
      const record = await history.add({
        agent_id: c.req.valid("param").id,
        prompt: body.prompt,
        response_preview: (body.response_preview ?? "").slice(0, 200),
        session_id: body.session_id,
        status: body.status ?? "completed",
        tokens: body.tokens ?? { input: 0, output: 0 },
        cost_cents: body.cost_cents ?? 0,
      });
      return c.json(record, 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/history/stats",
      operationId: "getAgentHistoryStats",
      tags: ["History"],
      summary: "Totals over the agent's history",
      request: { params: AgentParams },
      responses: {
        200: jsonContent(HistoryStatsSchema, "Stats"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const { history } = requireSessions(c.get("services"));
      return c.json(await history.stats(c.req.valid("param").id), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}/history",
      operationId: "clearAgentHistory",
      tags: ["History"],
      summary: "Clear the agent's history (sessions are kept)",
      request: { params: AgentParams },
      responses: {
        200: jsonContent(z.object({ success: z.boolean() }), "Cleared"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const { history } = requireSessions(c.get("services"));
      await history.clear(c.req.valid("param").id);
      return c.json({ success: true }, 200);
    },
  );
