import { z } from "@hono/zod-openapi";
import {
  type AccessDecision,
  type AccessRule,
  AccessRuleSchema,
  DEFAULT_ACCESS,
} from "../../storage/access-rules.js";
import { validationError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  accessStores,
  dropUndefined,
  operationId,
  PositionSchema,
  platformId,
  RuleRefParamsSchema,
  ruleRef,
  type Spelling,
  SubjectSchema,
  subjectOf,
} from "./access-requests.js";

const field = (description: string) => z.string().optional().openapi({ description });
const patterns = (description: string) => z.array(z.string()).optional().openapi({ description });

const NewRuleSchema = z
  .object({
    effect: z.enum(["allow", "deny"]).optional().openapi({ description: "allow or deny (ours)" }),
    sender_id: platformId("Sender's platform user id (`*` wildcards)"),
    sender: platformId("Alias of sender_id"),
    identity: platformId("OpenVesper's name for sender_id"),
    channel: field("Channel name (`*` wildcards)"),
    platform: field("telegram, slack, discord, webhook"),
    chat_id: platformId("Chat id (`*` wildcards)"),
    api_key: field("An API key's name from gateway.yaml (`*`: any key)"),
    agent_id: platformId("The agent the rule is about (`*` wildcards); any agent when absent"),
    agent: platformId("OpenVesper's name for agent_id"),
    allow: patterns("OpenVesper's allow list of `channel:identity` patterns"),
    deny: patterns("OpenVesper's deny list of `channel:identity` patterns"),
    label: field("A human label, named in decisions"),
    position: PositionSchema,
  })
  .loose()
  .openapi("NewAccessRule");

const RuleSchema = z
  .object({
    id: z.string(),
    index: z.number().int(),
    effect: z.enum(["allow", "deny"]).optional(),
    sender_id: z.string().optional(),
    channel: z.string().optional(),
    platform: z.string().optional(),
    chat_id: z.string().optional(),
    api_key: z.string().optional(),
    agent_id: z.string().optional(),
    agent: z.string().optional().openapi({ description: "Same as agent_id (OpenVesper)" }),
    allow: z.array(z.string()).optional(),
    deny: z.array(z.string()).optional(),
    label: z.string().optional(),
    created_at: z.string().optional(),
  })
  .loose()
  .openapi("AccessRule");

const DecisionSchema = z
  .object({
    allowed: z.boolean(),
    reason: z.string(),
    rule: RuleSchema.nullable().openapi({ description: "The rule that decided; null: the default" }),
    index: z.number().int().nullable(),
    default: z.boolean().openapi({ description: `No rule matched: ${DEFAULT_ACCESS} by default` }),
  })
  .openapi("AccessDecision");

export function accessRuleView(rule: AccessRule) {
  return { ...rule, ...(rule.agent_id ? { agent: rule.agent_id } : {}) };
}

export function decisionView(decision: AccessDecision) {
  return {
    allowed: decision.allowed,
    reason: decision.reason,
    rule: decision.rule ? accessRuleView(decision.rule) : null,
    index: decision.rule?.index ?? null,
    default: decision.rule === null,
  };
}

/** `/api/access` and OpenVesper's `/access`: ordered allow/deny rules (first match wins, allow by default). */
export function createAccessRouter(spelling: Spelling) {
  const refParam = spelling === "api" ? "id" : "index";
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: operationId(spelling, "listAccessRules"),
        tags: ["Channel access"],
        summary: "List the access rules in order (first match wins; no match: allowed)",
        responses: {
          200: jsonContent(
            spelling === "api" ? z.object({ rules: z.array(RuleSchema) }) : z.array(RuleSchema),
            "The rules",
          ),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const rules = (await accessStores(c.get("services")).access.list()).map(accessRuleView);
        return c.json(spelling === "api" ? { rules } : rules, 200);
      },
    )
    .openapi(
      defineRoute("admin", {
        method: "post",
        path: "/",
        operationId: operationId(spelling, "addAccessRule"),
        tags: ["Channel access"],
        summary: "Add an access rule at a position (last when absent)",
        request: { body: jsonBody(NewRuleSchema) },
        responses: {
          200: jsonContent(RuleSchema.extend({ ok: z.literal(true) }), "Added (OpenVesper's path)"),
          201: jsonContent(RuleSchema.extend({ ok: z.literal(true) }), "Added (/api)"),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json") as z.infer<typeof NewRuleSchema>;
        const parsed = AccessRuleSchema.safeParse(
          dropUndefined({
            effect: body.effect,
            sender_id: body.sender_id ?? body.sender ?? body.identity,
            channel: body.channel,
            platform: body.platform,
            chat_id: body.chat_id,
            api_key: body.api_key,
            agent_id: body.agent_id ?? body.agent,
            allow: body.allow,
            deny: body.deny,
            label: body.label,
          }),
        );
        if (!parsed.success) throw validationError(parsed.error, "json");
        const rule = await accessStores(c.get("services")).access.add(parsed.data, body.position);
        return c.json(
          { ok: true as const, ...accessRuleView(rule) },
          (spelling === "api" ? 201 : 200) as 200,
        );
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "post",
        path: "/check",
        operationId: operationId(spelling, "checkAccess"),
        tags: ["Channel access"],
        summary: "Whether a sender, channel or API key may use an agent, and the rule that decided",
        request: { body: jsonBody(SubjectSchema) },
        responses: { 200: jsonContent(DecisionSchema, "The decision"), ...errorResponses(422) },
      }),
      async (c) => {
        const subject = subjectOf(c.req.valid("json"));
        // An agent is part of the question here, so the decision is never left open: a rule naming an
        // agent matches only that agent, and "any agent" is asked as `*`.
        const decision = await accessStores(c.get("services")).access.check({
          ...subject,
          agent_id: subject.agent_id ?? "*",
        });
        return c.json(decisionView(decision!), 200);
      },
    )
    .openapi(
      defineRoute("admin", {
        method: "delete",
        path: `/{${refParam}}`,
        operationId: operationId(spelling, "deleteAccessRule"),
        tags: ["Channel access"],
        summary: "Delete an access rule by index (digits) or by id",
        request: { params: RuleRefParamsSchema(refParam) },
        responses: {
          200: jsonContent(
            z.object({ removed: z.boolean(), rule: RuleSchema.optional() }),
            "`removed: false` when no rule was at that index",
          ),
          ...errorResponses(404, 422),
        },
      }),
      async (c) => {
        const { access } = accessStores(c.get("services"));
        const ref = ruleRef(c);
        const rule = "index" in ref ? await access.removeAt(ref.index) : await access.removeById(ref.id);
        return c.json(rule ? { removed: true, rule: accessRuleView(rule) } : { removed: false }, 200);
      },
    );
}
