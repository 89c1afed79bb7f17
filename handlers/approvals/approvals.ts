import { z } from "@hono/zod-openapi";
import { ApprovalRuleRepository, type NewApprovalRule } from "../../storage/approval-rules.js";
import { invalid } from "../../storage/errors.js";
import { idProblem } from "../../storage/ids.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import {
  operationId,
  PositionSchema,
  RuleRefParamsSchema,
  ruleRef,
  type Spelling,
} from "../access/access-requests.js";
import { ApprovalResolutionSchema } from "../capabilities/approvals.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  ApprovalRuleViewSchema,
  DecideBodySchema,
  decisionOf,
  NewApprovalRuleBodySchema,
  PendingApprovalViewSchema,
  pendingView,
  ruleOf,
  ruleView,
} from "./approval-views.js";

const TAGS = ["Approvals"];

const ApprovalIdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" }, description: "The approval_id of a pending request" }),
});

const rules = (services: Services) =>
  new ApprovalRuleRepository(services.scopes.global().store, () => services.clock.now());

/**
 * `/api/approvals` and OpenVesper's `/approvals`: tool calls waiting for a person, their decisions, and the
 * rules that decide without asking (~/.viben/approval-rules.yaml, first match wins).
 */
export function createApprovalsRouter(spelling: Spelling) {
  const refParam = spelling === "api" ? "id" : "index";
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/pending",
        operationId: operationId(spelling, "listPendingApprovals"),
        tags: TAGS,
        summary: "List the tool calls waiting for a decision",
        responses: {
          200: jsonContent(
            spelling === "api"
              ? z.object({ approvals: z.array(PendingApprovalViewSchema) })
              : z.array(PendingApprovalViewSchema),
            "Oldest first",
          ),
          ...errorResponses(501),
        },
      }),
      (c) => {
        const approvals = requireCapability(c.get("services"), "approvals").pending().map(pendingView);
        return c.json(spelling === "api" ? { approvals } : approvals, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/{id}/decide",
        operationId: operationId(spelling, "decideApproval"),
        tags: TAGS,
        summary: "Allow or deny a pending tool call (remember: add a rule for next time)",
        request: { params: ApprovalIdParams, body: jsonBody(DecideBodySchema) },
        responses: {
          200: jsonContent(ApprovalResolutionSchema.extend({ ok: z.literal(true) }), "Resolved"),
          ...errorResponses(404, 501),
        },
      }),
      async (c) => {
        const broker = requireCapability(c.get("services"), "approvals");
        const { id } = c.req.valid("param");
        const body = c.req.valid("json");
        const { decision, remember } = decisionOf(body);
        const resolution = await broker.decide(id, {
          decision,
          remember,
          ...(body.reason ? { reason: body.reason } : {}),
          // The key's name (never the key); "local" when no keys are configured.
          decidedBy: c.get("keyName") ?? "local",
        });
        return c.json({ ok: true as const, ...resolution }, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/rules",
        operationId: operationId(spelling, "listApprovalRules"),
        tags: TAGS,
        summary: "List the approval rules in order (first match wins; no match: a person decides)",
        responses: {
          200: jsonContent(
            spelling === "api"
              ? z.object({ rules: z.array(ApprovalRuleViewSchema) })
              : z.array(ApprovalRuleViewSchema),
            "The rules",
          ),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const list = (await rules(c.get("services")).list()).map(ruleView);
        return c.json(spelling === "api" ? { rules: list } : list, 200);
      },
    )
    .openapi(
      defineRoute("admin", {
        method: "post",
        path: "/rules",
        operationId: operationId(spelling, "addApprovalRule"),
        tags: TAGS,
        summary: "Add an approval rule at a position (last when absent)",
        request: { body: jsonBody(NewApprovalRuleBodySchema.extend({ position: PositionSchema })) },
        responses: {
          200: jsonContent(
            ApprovalRuleViewSchema.extend({ ok: z.literal(true) }),
            "Added (OpenVesper's path)",
          ),
          201: jsonContent(ApprovalRuleViewSchema.extend({ ok: z.literal(true) }), "Added (/api)"),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const services = c.get("services");
        const rule = await rules(services).add(await checkedRule(services, ruleOf(body)), body.position);
        return c.json({ ok: true as const, ...ruleView(rule) }, (spelling === "api" ? 201 : 200) as 200);
      },
    )
    .openapi(
      defineRoute("admin", {
        method: "delete",
        path: `/rules/{${refParam}}`,
        operationId: operationId(spelling, "deleteApprovalRule"),
        tags: TAGS,
        summary: "Delete an approval rule by index (digits) or by id",
        request: { params: RuleRefParamsSchema(refParam) },
        responses: {
          200: jsonContent(
            z.object({ removed: z.boolean(), rule: ApprovalRuleViewSchema.optional() }),
            "`removed: false` when no rule was at that index",
          ),
          ...errorResponses(404, 422),
        },
      }),
      async (c) => {
        const repository = rules(c.get("services"));
        const ref = ruleRef(c);
        const rule =
          "index" in ref ? await repository.removeAt(ref.index) : await repository.removeById(ref.id);
        return c.json(rule ? { removed: true, rule: ruleView(rule) } : { removed: false }, 200);
      },
    );
}

/**
 * A rule names agents and workspaces as the rest of the API does: an agent id (or a `*` pattern of one),
 * and a workspace inside the allowed roots (a registered name works too). A pattern with `*` is kept as
 * written; a plain workspace path is stored resolved.
 */
async function checkedRule(services: Services, rule: NewApprovalRule): Promise<NewApprovalRule> {
  if (rule.agent_id !== undefined) {
    const problem = idProblem(rule.agent_id.replaceAll("*", "x"));
    if (problem) throw invalid("agent_id", problem);
  }
  const workspace = rule.workspace_path;
  if (workspace === undefined) return rule;
  if (workspace.includes("*")) {
    if (!workspace.startsWith("/") || workspace.split("/").includes("..") || workspace.includes("\0"))
      throw invalid("workspace_path", "must be an absolute path pattern without '..'");
    return rule;
  }
  return { ...rule, workspace_path: await resolveWorkspacePath(services, workspace) };
}
