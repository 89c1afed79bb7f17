import { z } from "@hono/zod-openapi";
import { type ApprovalRule, ApprovalRuleSchema, type NewApprovalRule } from "../../storage/approval-rules.js";
import { invalid } from "../../storage/errors.js";
import { dropUndefined } from "../access/access-requests.js";
import { type PendingApproval, PendingApprovalSchema } from "../capabilities/approvals.js";

/** A pending request as we answer it, with OpenVesper's names beside ours (apps/gateway/src/approvals.ts). */
export const PendingApprovalViewSchema = PendingApprovalSchema.extend({
  id: z.string().openapi({ description: "OpenVesper's name for approval_id" }),
  toolName: z.string(),
  toolInput: z.unknown(),
  agent: z.string(),
  sessionKey: z.string().openapi({ description: "The gateway session id" }),
  createdAt: z.number().openapi({ description: "Unix milliseconds" }),
  expiresAt: z.number().openapi({ description: "Unix milliseconds" }),
}).openapi("PendingApprovalView");

export function pendingView(request: PendingApproval) {
  return {
    ...request,
    id: request.approval_id,
    toolName: request.tool,
    toolInput: request.input,
    agent: request.agent_id,
    sessionKey: request.session_id,
    createdAt: Date.parse(request.requested_at),
    expiresAt: Date.parse(request.expires_at),
  };
}

export const DecideBodySchema = z
  .object({
    decision: z
      .enum(["allow", "deny", "allow-and-remember"])
      .optional()
      .openapi({ description: "allow or deny (OpenVesper's `allow-and-remember` is allow with remember)" }),
    approved: z.boolean().optional().openapi({ description: "Ryvos's form: true allows, false denies" }),
    reason: z.string().max(2000).optional(),
    remember: z.boolean().optional().openapi({
      description: "Adds a rule so this agent's later calls of the tool are decided the same way",
    }),
  })
  .loose()
  .openapi("ApprovalDecision");

/** The decision a body asks for: `decision` (ours, OpenVesper's) or `approved` (Ryvos's). */
export function decisionOf(body: z.infer<typeof DecideBodySchema>): {
  decision: "allow" | "deny";
  remember: boolean;
} {
  const decision =
    body.decision ?? (body.approved === undefined ? undefined : body.approved ? "allow" : "deny");
  if (decision === undefined) throw invalid("decision", "is required: allow or deny");
  return {
    decision: decision === "deny" ? "deny" : "allow",
    remember: body.remember === true || decision === "allow-and-remember",
  };
}

const glob = (description: string) => z.string().min(1).max(256).optional().openapi({ description });

export const NewApprovalRuleBodySchema = z
  .object({
    tool: glob("Tool name (`*` wildcards), e.g. Bash, mcp__github__*"),
    toolPattern: glob("OpenVesper's name for tool"),
    input_pattern: z.string().optional().openapi({
      description: "Regular expression over the input: a shell command as written, else compact JSON",
    }),
    agent_id: glob("Agent id (`*` wildcards); any agent when absent"),
    agent: glob("OpenVesper's name for agent_id"),
    workspace_path: glob("The run's working directory (`*` wildcards), e.g. /home/me/project*"),
    workspace: glob("Alias of workspace_path"),
    decision: z.enum(["allow", "deny", "ask"]).optional(),
    policy: z
      .enum(["auto-allow", "auto-deny", "prompt"])
      .optional()
      .openapi({ description: "OpenVesper's name for decision (prompt = ask)" }),
    reason: z.string().max(2000).optional(),
    label: z.string().max(200).optional(),
    position: z.number().int().min(0).optional().openapi({ description: "0 = first; last when absent" }),
  })
  .loose()
  .openapi("NewApprovalRule");

const POLICY_DECISIONS = { "auto-allow": "allow", "auto-deny": "deny", prompt: "ask" } as const;

/** The stored rule a body describes (either spelling), validated by the storage schema. */
export function ruleOf(body: z.infer<typeof NewApprovalRuleBodySchema>): NewApprovalRule {
  const tool = body.tool ?? body.toolPattern;
  if (tool === undefined) throw invalid("tool", "is required (a tool name, `*` wildcards)");
  const decision = body.decision ?? (body.policy ? POLICY_DECISIONS[body.policy] : undefined);
  if (decision === undefined) throw invalid("decision", "is required: allow, deny or ask");
  const agent = body.agent_id ?? body.agent;
  const parsed = ApprovalRuleSchema.safeParse(
    dropUndefined({
      tool,
      input_pattern: body.input_pattern,
      // OpenVesper writes "*" for any agent: the same as naming none.
      agent_id: agent === "*" ? undefined : agent,
      workspace_path: body.workspace_path ?? body.workspace,
      decision,
      reason: body.reason,
      label: body.label,
    }),
  );
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(issue?.path.join(".") || "rule", issue?.message ?? "is invalid");
  }
  return parsed.data;
}

export const ApprovalRuleViewSchema = z
  .object({
    id: z.string(),
    index: z.number().int(),
    tool: z.string(),
    input_pattern: z.string().optional(),
    agent_id: z.string().optional(),
    workspace_path: z.string().optional(),
    decision: z.enum(["allow", "deny", "ask"]),
    reason: z.string().optional(),
    label: z.string().optional(),
    created_at: z.string().optional(),
    toolPattern: z.string(),
    agent: z.string(),
    policy: z.enum(["auto-allow", "auto-deny", "prompt"]),
  })
  .loose()
  .openapi("ApprovalRule");

const DECISION_POLICIES = { allow: "auto-allow", deny: "auto-deny", ask: "prompt" } as const;

export function ruleView(rule: ApprovalRule) {
  return {
    ...rule,
    toolPattern: rule.tool,
    agent: rule.agent_id ?? "*",
    policy: DECISION_POLICIES[rule.decision],
  };
}
