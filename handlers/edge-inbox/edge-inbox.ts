import { z } from "@hono/zod-openapi";
import { EdgeInboxItemFields } from "../../storage/edge-inbox-schemas.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";

const TAGS = ["Edge"];

// Loose: an item keeps the keys another gateway version wrote.
const InboxItemSchema = EdgeInboxItemFields.extend({
  id: z.string().min(1).openapi({ description: "The run_id the edge answered the webhook with" }),
})
  .loose()
  .openapi("EdgeInboxItem");

const AckSchema = z
  .object({
    status: z.enum(["delivered", "rejected"]).openapi({
      description: "delivered: queued by the local gateway; rejected: the local gateway refused it for good",
    }),
    local_job_id: z.string().min(1).max(200).optional(),
    error: z.string().max(2000).optional(),
  })
  .strict()
  .openapi("EdgeInboxAck");

const IdParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });

/**
 * /api/edge/inbox: webhook wakes accepted at the edge, waiting for the local gateway, which pulls them
 * (`npm run pull:edge`), queues each and acknowledges it. Admin only: items carry prompts.
 */
export const edgeInboxRouter = createRouter()
  .openapi(
    defineRoute("admin", {
      method: "get",
      path: "/",
      operationId: "listEdgeInbox",
      tags: TAGS,
      summary: "Webhook wakes not yet acknowledged, oldest first (workerd only)",
      request: {
        query: z.object({
          limit: limitQuery(100),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(InboxItemSchema), total: z.number(), more: z.boolean() }),
          "Pending items; `more` when others wait behind them",
        ),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const limit = c.req.valid("query").limit ?? 100;
      const found = await requireCapability(c.get("services"), "edgeInbox").pending(limit + 1);
      const items = found.slice(0, limit);
      return c.json({ items, total: items.length, more: found.length > limit }, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/{id}/ack",
      operationId: "ackEdgeInboxItem",
      tags: TAGS,
      summary: "Acknowledge an item the local gateway took over (again: the first receipt stands)",
      request: { params: IdParams, body: jsonBody(AckSchema) },
      responses: {
        200: jsonContent(InboxItemSchema, "The acknowledged item"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const item = await requireCapability(c.get("services"), "edgeInbox").ack(id, c.req.valid("json"));
      if (!item) throw new ApiError(404, "INBOX_ITEM_NOT_FOUND", `inbox item '${id}' not found`, { id });
      return c.json(item, 200);
    },
  );
