import { z } from "zod";
import { DomainError } from "../../storage/errors.js";
import { describeIssues, idSchema } from "../../storage/schema-helpers.js";
import type { GatewayEvent } from "../capabilities/events.js";
import type { RunHandle } from "../capabilities/runs.js";
import { ApiError } from "../errors.js";
import { requireCapability } from "../lib/capability-guard.js";
import { prepareChatRun, requireSessions } from "../runs/run-requests.js";
import type { WsLink } from "./ws-link.js";

/*
 * Ryvos's /ws dialect (Ryvos/ryvos crates/ryvos-gateway/src/{protocol,connection}.rs, docs/api/
 * gateway-websocket.md): RPC frames `{type:"request", id, method, params}` answered by
 * `{type:"response", id, result}` (method failures are soft: `result.error`, as Ryvos does; ours add
 * `result.code`), and from the first request on, pushes `{type:"event", session_id, event:{kind, text?,
 * tool?, data?}}` for the gateway's events.
 */

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;

const RequestFrame = z.object({
  type: z.literal("request"),
  id: z.union([z.string().max(200), z.number()]).transform(String),
  method: z.string().min(1).max(200),
  params: z.record(z.string(), z.unknown()).optional().default({}),
});

const SendParams = z.object({
  // Ryvos's own words for a missing message.
  message: z.string({ error: "message is required" }).min(1, "message is required").max(1_000_000),
  session_id: idSchema.optional(),
  agent_id: idSchema.optional(),
  workdir: z.string().optional(),
});
const CancelParams = z.object({ session_id: idSchema.optional() });
const HistoryParams = z.object({
  session_id: idSchema,
  limit: z.number().int().min(1).max(1000).optional(),
});
const ApprovalParams = z.object({
  request_id: z.string().min(1, "request_id is required").max(200),
  approved: z.boolean().optional(),
  reason: z.string().max(10_000).optional(),
});

/** Soft failure inside a successful response frame, as Ryvos's methods answer. */
class MethodError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new MethodError(describeIssues(parsed.error).message, "INVALID_PARAMS");
  return parsed.data;
}

/** An event of ours as Ryvos's push frame, or undefined for events Ryvos does not forward. */
export function ryvosEvent(event: GatewayEvent): Record<string, unknown> | undefined {
  const { type, seq, ts, session_id, run_id, agent_id, ...payload } = event;
  const frame = (kind: string, extra: { text?: string; tool?: string; data?: unknown }) => ({
    type: "event",
    session_id: session_id ?? "system",
    event: { kind, ...extra },
    // Ours, beside Ryvos's fields: the envelope's identity for clients that want it.
    seq,
    ts,
    ...(run_id ? { run_id } : {}),
    ...(agent_id ? { agent_id } : {}),
  });
  switch (type) {
    case "delta":
      return frame("text_delta", { text: String(payload.content ?? "") });
    case "tool_start":
      return frame("tool_start", { tool: String(payload.tool ?? ""), data: payload.input ?? null });
    case "tool_end":
      return frame("tool_end", {
        tool: String(payload.tool ?? ""),
        data: { content: payload.result, is_error: payload.is_error === true },
      });
    case "run_complete": {
      const tokens = payload.tokens as { input?: number; output?: number } | undefined;
      return frame("run_complete", {
        data: { ...payload, input_tokens: tokens?.input ?? 0, output_tokens: tokens?.output ?? 0 },
      });
    }
    case "approval_requested": {
      // Ryvos's fields (connection.rs) first, then ours.
      const data = { id: payload.approval_id, tool_name: payload.tool, session_id, ...payload };
      return frame("approval_requested", { tool: String(payload.tool ?? ""), data });
    }
    // Ryvos forwards neither (connection.rs maps them to nothing).
    case "turn_complete":
    case "approval_resolved":
      return undefined;
    case "cron_fired":
      return { ...frame("cron_fired", { data: payload }), session_id: "system" };
    default:
      return frame(type, Object.keys(payload).length > 0 ? { data: payload } : {});
  }
}

export class RyvosDialect {
  private started = false;
  /** Runs this connection started, by session, so `agent.cancel` without a session stops them. */
  private readonly runs = new Map<string, RunHandle>();
  private lastForwardedSeq = 0;
  private readonly seqWaiters: { seq: number; resolve: () => void }[] = [];

  constructor(private readonly link: WsLink) {}

  /** A frame that is not JSON, on a connection that speaks Ryvos (Ryvos answers id "0"). */
  parseError(message: string): void {
    this.link.send({ type: "response", id: "0", error: { code: PARSE_ERROR, message } });
  }

  async handle(json: unknown): Promise<void> {
    this.start();
    const parsed = RequestFrame.safeParse(json);
    if (!parsed.success) {
      const raw = (json as { id?: unknown })?.id;
      const id = typeof raw === "string" || typeof raw === "number" ? String(raw) : "0";
      return this.link.send({
        type: "response",
        id,
        error: { code: INVALID_REQUEST, message: `Invalid request: ${describeIssues(parsed.error).message}` },
      });
    }
    const { id, method, params } = parsed.data;
    let result: Record<string, unknown>;
    try {
      result = await this.call(method, params);
    } catch (error) {
      if (error instanceof MethodError) result = { error: error.message, code: error.code, ...error.extra };
      else if (error instanceof ApiError || error instanceof DomainError)
        result = { error: error.message, code: error.code };
      else {
        this.link.services.logger.error({ msg: "websocket request failed", method, error: String(error) });
        return this.link.send({
          type: "response",
          id,
          error: { code: INTERNAL_ERROR, message: "Internal error" },
        });
      }
    }
    this.link.send({ type: "response", id, result });
  }

  private async call(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (method) {
      case "agent.send":
        return this.send(parseParams(SendParams, params));
      case "agent.cancel":
        return this.cancel(parseParams(CancelParams, params));
      case "session.list": {
        const { sessions } = requireSessions(this.link.services);
        const list = await sessions.list({ limit: 100 });
        return { sessions: list.map((s) => s.id), total: list.length };
      }
      case "session.history": {
        const { session_id, limit } = parseParams(HistoryParams, params);
        const { sessions } = requireSessions(this.link.services);
        if (!(await sessions.find(session_id)))
          throw new MethodError(`session '${session_id}' not found`, "SESSION_NOT_FOUND");
        const page = await sessions.listMessages(session_id, { limit: limit ?? 50 });
        return {
          messages: page.messages.map((m) => ({
            role: m.role,
            text: m.content,
            timestamp: m.timestamp,
            ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}),
          })),
        };
      }
      case "approval.respond": {
        const { request_id, approved, reason } = parseParams(ApprovalParams, params);
        this.link.requireRole("operator");
        const broker = requireCapability(this.link.services, "approvals");
        // Ryvos: an absent `approved` denies; an unknown id answers `resolved: false`.
        const decision = approved === true ? "allow" : "deny";
        try {
          const resolution = await broker.decide(request_id, {
            decision,
            ...(reason ? { reason } : {}),
            decidedBy: this.link.keyName ?? "local",
          });
          return { resolved: true, ...resolution };
        } catch (error) {
          if (error instanceof DomainError && error.kind === "not_found") {
            throw new MethodError(error.message, error.code, { resolved: false });
          }
          throw error;
        }
      }
      default:
        throw new MethodError(`Unknown method: ${method}`, "UNKNOWN_METHOD");
    }
  }

  /** Runs the agent and answers once the run ended, after its events were pushed (as Ryvos does). */
  private async send(params: z.infer<typeof SendParams>): Promise<Record<string, unknown>> {
    this.link.requireRole("operator");
    const runs = requireCapability(this.link.services, "runs");
    const request = await prepareChatRun(this.link.services, params, this.link.config.workdirRoots, "ws");
    await this.link.checkRunAccess(request.agent.id);
    const run = await runs.start(request);
    this.runs.set(run.sessionId, run);
    try {
      const outcome = await run.done;
      await this.forwardedThrough(this.link.requireBus().lastSeq);
      const common = { session_id: run.sessionId, run_id: run.runId, status: outcome.status };
      if (outcome.status !== "completed")
        return { ...common, error: outcome.error ?? `run ${outcome.status}`, response: outcome.response };
      return {
        ...common,
        response: outcome.response,
        tokens: outcome.tokens,
        cost_cents: outcome.costCents,
      };
    } finally {
      if (this.runs.get(run.sessionId) === run) this.runs.delete(run.sessionId);
    }
  }

  private async cancel(params: z.infer<typeof CancelParams>): Promise<Record<string, unknown>> {
    this.link.requireRole("operator");
    const runs = requireCapability(this.link.services, "runs");
    const sessions = params.session_id ? [params.session_id] : [...this.runs.keys()];
    const stopped = await Promise.all(sessions.map((sid) => runs.stop(sid)));
    return { cancelled: stopped.some(Boolean), sessions: sessions.filter((_, i) => stopped[i]) };
  }

  /** Resolves once the push stream has passed `seq` (or the connection is gone). */
  private forwardedThrough(seq: number): Promise<void> {
    if (this.lastForwardedSeq >= seq || this.link.closed) return Promise.resolve();
    return new Promise((resolve) => this.seqWaiters.push({ seq, resolve }));
  }

  /** The connection's pushes in Ryvos's frames, from its first request on (Ryvos subscribes to all). */
  private start(): void {
    if (this.started) return;
    this.lastForwardedSeq = this.link.requireBus().lastSeq;
    this.started = true;
    this.link.pump(
      {},
      {
        render: (event) => {
          const frame = ryvosEvent(event);
          return frame ? JSON.stringify(frame) : undefined;
        },
        onTaken: (event) => {
          this.lastForwardedSeq = event.seq;
          for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
            const waiter = this.seqWaiters[i]!;
            if (waiter.seq <= event.seq) {
              this.seqWaiters.splice(i, 1);
              waiter.resolve();
            }
          }
        },
        onDropped: () => this.release(),
      },
    );
  }

  /** Lets waiting answers go when no more events will be pushed. */
  release(): void {
    for (const waiter of this.seqWaiters.splice(0)) waiter.resolve();
  }
}
