import { z } from "@hono/zod-openapi";

/** A tool call waiting for a person (or a rule) to decide whether it may run. */
export const PendingApprovalSchema = z
  .object({
    approval_id: z.string(),
    tool: z.string(),
    input: z.unknown(),
    agent_id: z.string(),
    session_id: z.string(),
    run_id: z.string(),
    workdir: z.string().optional(),
    /** The executor's own id for the tool call, where it gave one. */
    tool_use_id: z.string().optional(),
    requested_at: z.string(),
    /** When an undecided request is denied. */
    expires_at: z.string(),
  })
  .openapi("PendingApproval");

export type PendingApproval = z.infer<typeof PendingApprovalSchema>;

export const ApprovalResolutionSchema = z
  .object({
    approval_id: z.string(),
    decision: z.enum(["allow", "deny"]),
    /** An API key's name, "local" (no keys configured), "rule", "timeout" or "run_ended". */
    decided_by: z.string(),
    reason: z.string(),
    remembered: z.boolean(),
    /** The rule that decided (or the one `remember` added). */
    rule: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("ApprovalResolution");

export type ApprovalResolution = z.infer<typeof ApprovalResolutionSchema>;

export interface ApprovalDecisionInput {
  decision: "allow" | "deny";
  reason?: string;
  /** Adds a rule for this tool (and agent) with the same decision. */
  remember?: boolean;
  decidedBy: string;
}

/**
 * The approval broker (Node): runs whose agent asks for approvals wait here before a tool runs. Every
 * request is published as `approval_requested`, every outcome as `approval_resolved`.
 */
export interface ApprovalService {
  pending(): PendingApproval[];
  /** Resolves a pending request; a not_found DomainError when it is unknown or already decided. */
  decide(approvalId: string, input: ApprovalDecisionInput): Promise<ApprovalResolution>;
}
