import type {
  ApprovalDecisionInput,
  ApprovalResolution,
  ApprovalService,
  PendingApproval,
} from "../../handlers/capabilities/approvals.js";
import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ApprovalRule, ApprovalRuleRepository } from "../../storage/approval-rules.js";
import { notFound } from "../../storage/errors.js";

/** OpenVesper's default: five minutes for a person to answer before the call is denied. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;

export interface ApprovalRequestInput {
  tool: string;
  input: unknown;
  agentId: string;
  sessionId: string;
  runId: string;
  workdir?: string;
  toolUseId?: string;
  timeoutMs?: number;
  /** Aborted when the run stops: the request is withdrawn (denied) at once. */
  signal?: AbortSignal;
}

/** What the waiting tool call is told. */
export interface ApprovalVerdict {
  decision: "allow" | "deny";
  /** Why, in words the model can read when it is a denial. */
  message: string;
  resolution: ApprovalResolution;
}

interface Waiting {
  request: PendingApproval;
  settle: (verdict: ApprovalVerdict) => void;
  timer: NodeJS.Timeout;
  onAbort?: () => void;
  signal?: AbortSignal;
}

export interface ApprovalBrokerOptions {
  events: EventBus;
  rules: ApprovalRuleRepository;
  logger: Logger;
  newId: () => string;
  now: () => Date;
}

/**
 * Holds tool calls until they are decided: a matching rule decides at once, otherwise the request is
 * published (`approval_requested`) and waits for `decide`, a timeout (deny) or the end of its run (deny).
 * Every outcome is published once as `approval_resolved`. Pending requests live in memory only: the runs
 * waiting on them do not survive a restart either.
 */
export class ApprovalBroker implements ApprovalService {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly o: ApprovalBrokerOptions) {}

  pending(): PendingApproval[] {
    return [...this.waiting.values()].map((w) => w.request);
  }

  pendingCount(): number {
    return this.waiting.size;
  }

  async request(input: ApprovalRequestInput): Promise<ApprovalVerdict> {
    const approvalId = this.o.newId();
    const context = {
      session_id: input.sessionId,
      run_id: input.runId,
      agent_id: input.agentId,
      tool: input.tool,
    };
    const rule = await this.matchRule(input);
    if (rule && rule.decision !== "ask") {
      const resolution: ApprovalResolution = {
        approval_id: approvalId,
        decision: rule.decision,
        decided_by: "rule",
        reason: rule.reason ?? `${rule.decision === "allow" ? "allowed" : "denied"} by rule ${rule.index}`,
        remembered: false,
        rule: { ...rule },
      };
      this.o.events.publish({ type: "approval_resolved", ...context, ...resolution });
      return verdictOf(resolution);
    }
    if (input.signal?.aborted) return this.withdrawn(approvalId, context);

    const now = this.o.now();
    const timeoutMs = input.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    const request: PendingApproval = {
      approval_id: approvalId,
      tool: input.tool,
      input: input.input,
      agent_id: input.agentId,
      session_id: input.sessionId,
      run_id: input.runId,
      ...(input.workdir ? { workdir: input.workdir } : {}),
      ...(input.toolUseId ? { tool_use_id: input.toolUseId } : {}),
      requested_at: now.toISOString(),
      expires_at: new Date(now.getTime() + timeoutMs).toISOString(),
    };
    return new Promise<ApprovalVerdict>((resolve) => {
      const waiting: Waiting = {
        request,
        settle: resolve,
        timer: setTimeout(() => {
          this.resolve(approvalId, {
            decision: "deny",
            decided_by: "timeout",
            reason: `no decision within ${Math.round(timeoutMs / 1000)} s`,
          });
        }, timeoutMs),
        signal: input.signal,
      };
      waiting.timer.unref();
      if (input.signal) {
        waiting.onAbort = () =>
          this.resolve(approvalId, { decision: "deny", decided_by: "run_ended", reason: "the run stopped" });
        input.signal.addEventListener("abort", waiting.onAbort, { once: true });
      }
      this.waiting.set(approvalId, waiting);
      this.o.events.publish({ type: "approval_requested", ...request });
    });
  }

  async decide(approvalId: string, input: ApprovalDecisionInput): Promise<ApprovalResolution> {
    const waiting = this.waiting.get(approvalId);
    if (!waiting) {
      throw notFound(
        "APPROVAL_NOT_FOUND",
        `approval '${approvalId}' is not pending (unknown, already decided, timed out or its run ended)`,
        { approval_id: approvalId },
      );
    }
    let rule: ApprovalRule | undefined;
    if (input.remember) {
      // Remembered for this tool and agent, so the same agent's next call of the tool is not asked again.
      rule = await this.o.rules.add({
        tool: waiting.request.tool,
        agent_id: waiting.request.agent_id,
        decision: input.decision,
        reason: `remembered from approval ${approvalId}${input.reason ? `: ${input.reason}` : ""}`,
      });
    }
    // Decided meanwhile (timeout, run end) while the rule was written: that outcome stands.
    if (!this.waiting.has(approvalId)) {
      throw notFound("APPROVAL_NOT_FOUND", `approval '${approvalId}' was resolved while deciding`, {
        approval_id: approvalId,
      });
    }
    return this.resolve(approvalId, {
      decision: input.decision,
      decided_by: input.decidedBy,
      reason: input.reason ?? (input.decision === "allow" ? "allowed" : "denied"),
      remembered: rule !== undefined,
      ...(rule ? { rule: { ...rule } } : {}),
    })!;
  }

  /** Denies every request of a run that ended (stop, timeout, exit): nobody is left to run the tool. */
  releaseRun(runId: string): void {
    for (const [id, waiting] of this.waiting) {
      if (waiting.request.run_id !== runId) continue;
      this.resolve(id, { decision: "deny", decided_by: "run_ended", reason: "the run ended" });
    }
  }

  private resolve(
    approvalId: string,
    outcome: Omit<ApprovalResolution, "approval_id" | "remembered"> & { remembered?: boolean },
  ): ApprovalResolution | undefined {
    const waiting = this.waiting.get(approvalId);
    if (!waiting) return undefined;
    this.waiting.delete(approvalId);
    clearTimeout(waiting.timer);
    if (waiting.onAbort) waiting.signal?.removeEventListener("abort", waiting.onAbort);
    const resolution: ApprovalResolution = { approval_id: approvalId, remembered: false, ...outcome };
    const { request } = waiting;
    this.o.events.publish({
      type: "approval_resolved",
      session_id: request.session_id,
      run_id: request.run_id,
      agent_id: request.agent_id,
      tool: request.tool,
      ...resolution,
    });
    waiting.settle(verdictOf(resolution));
    return resolution;
  }

  private withdrawn(approvalId: string, context: Record<string, string>): ApprovalVerdict {
    const resolution: ApprovalResolution = {
      approval_id: approvalId,
      decision: "deny",
      decided_by: "run_ended",
      reason: "the run stopped",
      remembered: false,
    };
    this.o.events.publish({ type: "approval_resolved", ...context, ...resolution });
    return verdictOf(resolution);
  }

  /** A broken rules file must not let calls through unasked: it is logged and a person decides. */
  private async matchRule(input: ApprovalRequestInput): Promise<ApprovalRule | null> {
    try {
      return await this.o.rules.match({
        tool: input.tool,
        input: input.input,
        agent_id: input.agentId,
        workdir: input.workdir,
      });
    } catch (error) {
      this.o.logger.warn({ msg: "approval rules unreadable; asking", error: (error as Error).message });
      return null;
    }
  }
}

function verdictOf(resolution: ApprovalResolution): ApprovalVerdict {
  const who = resolution.decided_by;
  const message =
    resolution.decision === "allow"
      ? resolution.reason
      : `The gateway denied this tool call (${who === "rule" || who === "timeout" || who === "run_ended" ? who : `decided by ${who}`}): ${resolution.reason}`;
  return { decision: resolution.decision, message, resolution };
}
