import type { AuditInput, AuditTrail } from "../../handlers/capabilities/audit.js";
import type { EventBus, EventSubscription, GatewayEvent } from "../../handlers/capabilities/events.js";

const AUDITED_EVENTS = [
  "run_started",
  "run_complete",
  "run_error",
  "approval_requested",
  "approval_resolved",
];

/** The audit entry of a bus event: runs' starts and ends, and approval decisions. */
export function auditEntryOf(event: GatewayEvent): AuditInput | undefined {
  const ids = {
    ...(event.run_id ? { run_id: event.run_id } : {}),
    ...(event.session_id ? { session_id: event.session_id } : {}),
    ...(event.agent_id ? { agent_id: event.agent_id } : {}),
  };
  const resource = event.run_id ? `run:${event.run_id}` : undefined;
  switch (event.type) {
    case "run_started":
      return {
        ts: event.ts,
        actor: "system",
        action: "run.started",
        resource,
        outcome: "ok",
        details: { ...ids, source: event.source, executor: event.executor, workdir: event.workdir },
      };
    case "run_complete":
      return {
        ts: event.ts,
        actor: "system",
        action: "run.completed",
        resource,
        outcome: "ok",
        details: {
          ...ids,
          tokens: event.tokens,
          cost_cents: event.cost_cents,
          duration_ms: event.duration_ms,
        },
      };
    case "run_error":
      return {
        ts: event.ts,
        actor: "system",
        action: "run.failed",
        resource,
        outcome: "error",
        details: { ...ids, error: event.error, code: event.code, exit_code: event.exit_code },
      };
    case "approval_requested":
      return {
        ts: event.ts,
        actor: "system",
        action: "approval.requested",
        resource: typeof event.approval_id === "string" ? `approval:${event.approval_id}` : resource,
        outcome: "pending",
        details: { ...ids, approval_id: event.approval_id, tool: event.tool },
      };
    case "approval_resolved": {
      // The approvals helper's event: {approval_id, decision, decided_by, reason, rule?}.
      const decidedBy =
        typeof event.decided_by === "string" && event.decided_by ? event.decided_by : "system";
      return {
        ts: event.ts,
        actor: decidedBy,
        action: "approval.resolved",
        resource: typeof event.approval_id === "string" ? `approval:${event.approval_id}` : resource,
        outcome: typeof event.decision === "string" ? event.decision : undefined,
        details: {
          ...ids,
          approval_id: event.approval_id,
          decision: event.decision,
          reason: event.reason,
          rule: event.rule,
          tool: event.tool,
        },
      };
    }
    default:
      return undefined;
  }
}

/**
 * Copies run starts and ends and approval decisions from the event bus into the audit trail. The bus never
 * blocks a run, and recording only queues the entry, so auditing adds nothing to a run's path.
 */
export class BusAudit {
  private consuming: Promise<void> | undefined;

  constructor(
    private readonly events: EventBus,
    private readonly audit: AuditTrail,
  ) {}

  start(): void {
    this.consuming = this.consume(this.events.subscribe({ types: AUDITED_EVENTS }, { maxQueue: 10_000 }));
  }

  /**
   * Resolves once every event the bus delivered is recorded; call it after the bus is closed (its
   * subscriptions drain what is queued, such as the ends of runs stopped at shutdown, then end).
   */
  async drained(): Promise<void> {
    await this.consuming;
  }

  private async consume(subscription: EventSubscription): Promise<void> {
    for (;;) {
      const event = await subscription.next();
      if (!event) return;
      const entry = auditEntryOf(event);
      if (entry) this.audit.record(entry);
    }
  }
}
