import { z } from "zod";
import { describeIssues, idSchema } from "../../storage/schema-helpers.js";
import type { GatewayEvent } from "../capabilities/events.js";
import { requireCapability } from "../lib/capability-guard.js";
import { prepareKeyedRun } from "../runs/openvesper-requests.js";
import type { WsLink } from "./ws-link.js";

/*
 * OpenVesper's /ws dialect (openvesper/openvesper apps/gateway/src/index.ts and streaming.ts there):
 * `{type:"register", sessionKey, channel}` → `{type:"registered", sessionKey}`; `{type:"message",
 * sessionKey, message, agent?, channel?}` runs the agent in the key's session and streams `start`,
 * `token {text}` as the agent writes (plus `tool-call`, `tool-result`), then `done {reply, durationMs}`
 * or `error {error}`. Errors are its `{type:"error", error}` (our code added).
 */

export const OPENVESPER_FRAME_TYPES = new Set(["register", "message"]);

const key = z.string().min(1, "must not be empty").max(512);

const OpenVesperFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("register"),
    sessionKey: key.optional(),
    channel: z.string().max(100).optional(),
  }),
  z.object({
    type: z.literal("message"),
    sessionKey: key.optional(),
    message: z.string().min(1, "must not be empty").max(1_000_000),
    agent: idSchema.optional(),
    channel: z.string().min(1).max(100).optional(),
  }),
]);

export class OpenVesperDialect {
  private sessionKey: string | undefined;
  private channel = "ws";

  constructor(private readonly link: WsLink) {}

  error(message: string, code = "INVALID_FRAME"): void {
    this.link.send({ type: "error", error: message, code });
  }

  async handle(json: unknown): Promise<void> {
    const parsed = OpenVesperFrame.safeParse(json);
    if (!parsed.success) return this.error(`invalid frame: ${describeIssues(parsed.error).message}`);
    const frame = parsed.data;
    if (frame.type === "register") {
      this.sessionKey = frame.sessionKey;
      this.channel = frame.channel ?? "ws";
      return this.link.send({ type: "registered", sessionKey: this.sessionKey, channel: this.channel });
    }
    this.link.requireRole("operator");
    const sessionKey = frame.sessionKey ?? this.sessionKey;
    if (!sessionKey) return this.error("sessionKey: required (in the frame or by register)");
    const runs = requireCapability(this.link.services, "runs");
    const request = await prepareKeyedRun(
      this.link.services,
      this.link.config.workdirRoots,
      { message: frame.message, sessionKey, agent: frame.agent },
      frame.channel ?? this.channel,
      "ws",
    );
    await this.link.checkRunAccess(request.agent.id);
    const bus = this.link.requireBus();
    // Events published from here on are replayed to the subscription below, so none is missed.
    const afterSeq = bus.lastSeq;
    const run = await runs.start(request);
    this.link.send({ type: "start", sessionId: run.sessionId, agent: request.agent.id, runId: run.runId });
    this.link.pump(
      { session_id: run.sessionId },
      {
        afterSeq,
        render: (event) => render(event, run.runId),
        endsWith: (event) => event.run_id === run.runId && isEnd(event),
        onDropped: (reason) => this.error(reason, "SUBSCRIBER_DROPPED"),
      },
    );
  }
}

const isEnd = (event: GatewayEvent) => event.type === "run_complete" || event.type === "run_error";

/** One of the run's events as OpenVesper's frame; its end becomes `done` (or `error`). */
function render(event: GatewayEvent, runId: string): string | undefined {
  if (event.run_id !== runId) return undefined;
  switch (event.type) {
    case "delta":
      return JSON.stringify({ type: "token", text: event.content });
    case "tool_start":
      return JSON.stringify({ type: "tool-call", tool: event.tool, input: event.input });
    case "tool_end":
      return JSON.stringify({
        type: "tool-result",
        tool: event.tool,
        output: event.result,
        isError: event.is_error,
      });
    // OpenVesper's stream has no approval frame: ours, in its camelCase, so a client can decide over HTTP.
    case "approval_requested":
      return JSON.stringify({
        type: "approval-requested",
        approvalId: event.approval_id,
        toolName: event.tool,
        toolInput: event.input,
        runId,
      });
    case "run_complete":
      return JSON.stringify({ type: "done", reply: event.response, durationMs: event.duration_ms, runId });
    case "run_error":
      return JSON.stringify({ type: "error", error: event.error, code: event.code, runId });
    default:
      return undefined;
  }
}
