import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  ALL_AGENTS,
  STANDING_ORDER_KINDS,
  StandingOrderRepository,
  StandingOrderSchema,
} from "../../storage/standing-orders.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const TAGS = ["Standing orders"];
const MAX_RULE = 20_000;

const OrderSchema = StandingOrderSchema.openapi("StandingOrder");
const agentField = z.union([z.literal(ALL_AGENTS), idSchema]);

/** OpenVesper's body ({kind, agent, rule, triggerWhen, triggerAction}) or our snake_case spelling. */
const NewOrderSchema = z
  .object({
    kind: z.enum(STANDING_ORDER_KINDS).optional().openapi({ description: "Default constraint" }),
    agent: agentField.optional().openapi({ description: "Agent id the order applies to, or * (default)" }),
    agent_id: agentField.optional(),
    rule: z.string().trim().min(1, "must not be empty").max(MAX_RULE),
    triggerWhen: z.string().max(MAX_RULE).optional(),
    trigger_when: z.string().max(MAX_RULE).optional(),
    triggerAction: z.string().max(MAX_RULE).optional(),
    trigger_action: z.string().max(MAX_RULE).optional(),
  })
  .openapi("NewStandingOrder");

const ListQuery = z.object({
  agent: z.string().min(1).optional().openapi({ description: "Orders for this agent (and those for *)" }),
  kind: z.enum(STANDING_ORDER_KINDS).optional(),
  enabled: z
    .enum(["true", "false"], { message: "must be true or false" })
    .transform((v) => v === "true")
    .optional()
    .openapi({ type: "boolean" }),
});

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "so_1767225600000_3f9a1c2e" }),
});

const ToggleBody = z.object({ enabled: z.boolean().optional() }).optional();

const created = () => jsonContent(OrderSchema, "The order, enabled");
const createdStatus = (api: boolean) => (api ? { 201: created() } : { 200: created() });

const repositoryOf = (c: Context<AppEnv>) => {
  const services = c.get("services");
  return new StandingOrderRepository(services.scopes.global(), () => services.clock.now().getTime());
};

/**
 * Standing orders: rules given once that every run of the agents they name follows (the runtime appends
 * the enabled constraints to each run's instructions). `root` is OpenVesper's /standing-orders (bare
 * arrays, `{removed}`), `api` our /api/standing-orders (a wrapped list, 201 on create, the order back).
 */
export function createStandingOrdersRouter(spelling: "root" | "api") {
  const api = spelling === "api";
  const op = (root: string, ours: string) => (api ? ours : root);
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: op("listOpenVesperStandingOrders", "listStandingOrders"),
        tags: TAGS,
        summary: api ? "Standing orders" : "Standing orders (OpenVesper's shape: a bare array)",
        request: { query: ListQuery },
        responses: {
          200: jsonContent(
            api
              ? z.object({ standing_orders: z.array(OrderSchema), total: z.number() })
              : z.array(OrderSchema),
            "Standing orders, oldest first",
          ),
          ...errorResponses(400, 422),
        },
      }),
      async (c) => {
        const orders = await repositoryOf(c).list(c.req.valid("query"));
        return c.json(api ? { standing_orders: orders, total: orders.length } : orders, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/",
        operationId: op("createOpenVesperStandingOrder", "createStandingOrder"),
        tags: TAGS,
        summary: "Add a standing order (a constraint joins the instructions of every run of its agents)",
        request: { body: jsonBody(NewOrderSchema) },
        responses: {
          // Ours answers 201 Created, OpenVesper's 200; typed as one so the handler's answer checks.
          ...(createdStatus(api) as { 200: ReturnType<typeof created> }),
          ...errorResponses(400, 422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const triggerWhen = body.triggerWhen ?? body.trigger_when;
        const triggerAction = body.triggerAction ?? body.trigger_action;
        const order = await repositoryOf(c).create({
          kind: body.kind ?? "constraint",
          agent: body.agent ?? body.agent_id ?? ALL_AGENTS,
          rule: body.rule,
          ...(triggerWhen === undefined ? {} : { triggerWhen }),
          ...(triggerAction === undefined ? {} : { triggerAction }),
        });
        return c.json(order, (api ? 201 : 200) as 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "delete",
        path: "/{id}",
        operationId: op("deleteOpenVesperStandingOrder", "deleteStandingOrder"),
        tags: TAGS,
        summary: "Remove a standing order",
        request: { params: IdParams },
        responses: {
          200: jsonContent(
            api ? OrderSchema : z.object({ removed: z.boolean() }),
            api ? "The order removed" : "It was removed",
          ),
          ...errorResponses(400, 404, 422),
        },
      }),
      async (c) => {
        // The original answers {removed: false} for an unknown id; a 404 names the mistake instead.
        const removed = await repositoryOf(c).remove(c.req.valid("param").id);
        return c.json(api ? removed : { removed: true }, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/{id}/toggle",
        operationId: op("toggleOpenVesperStandingOrder", "toggleStandingOrder"),
        tags: TAGS,
        summary: "Switch a standing order off or on (to `enabled` when the body gives it)",
        request: {
          params: IdParams,
          body: { required: false, content: { "application/json": { schema: ToggleBody } } },
        },
        responses: {
          200: jsonContent(OrderSchema, "The order"),
          ...errorResponses(400, 404, 422),
        },
      }),
      async (c) => {
        const enabled = c.req.valid("json")?.enabled;
        return c.json(await repositoryOf(c).toggle(c.req.valid("param").id, enabled), 200);
      },
    );
}
