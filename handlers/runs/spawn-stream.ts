import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { EventSubscription, GatewayEvent } from "../capabilities/events.js";
import type { RunHandle } from "../capabilities/runs.js";
import type { AppEnv } from "../context.js";

/** Whether a spawn asks for the original Viben's stream (its desktop client sends this Accept header). */
export function wantsEventStream(c: Context<AppEnv>): boolean {
  return (c.req.header("accept") ?? "").toLowerCase().includes("text/event-stream");
}

/**
 * A gateway event as the original Viben's flat SSE frame (types text, tool_use, tool_result, result,
 * error); null for events that have no such frame. Our own fields ride along under their names.
 */
export function originalFrame(event: GatewayEvent): Record<string, unknown> | null {
  switch (event.type) {
    case "delta":
      return { type: "text", content: event.content, partial: true };
    case "tool_start":
      return { type: "tool_use", id: event.tool_use_id ?? "", name: event.tool, input: event.input };
    case "tool_end":
      return {
        type: "tool_result",
        toolUseId: event.tool_use_id ?? "",
        output: event.result,
        isError: event.is_error === true,
        name: event.tool,
      };
    case "run_complete":
      return {
        type: "result",
        subtype: "success",
        cost: typeof event.cost_cents === "number" ? event.cost_cents / 100 : undefined,
        duration: event.duration_ms,
        tokens: event.tokens,
        cost_cents: event.cost_cents,
      };
    case "run_error":
      return { type: "error", message: event.error, code: event.code, exit_code: event.exit_code };
    default:
      return null;
  }
}

const TERMINAL = new Set(["run_complete", "run_error"]);

/**
 * Streams one run as the original's frames: `session` first, then the run's events as they come, then
 * `done` and the `[DONE]` line when the run ends. The subscription must have been opened before the run
 * started, so no event is missed; it is closed when the stream ends either way. A client that goes away
 * leaves the run going (POST /api/agent/stop/:sessionId stops it).
 */
export function streamRun(c: Context<AppEnv>, subscription: EventSubscription, run: RunHandle): Response {
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    stream.onAbort(() => subscription.close("client went away"));
    try {
      const session = {
        type: "session",
        sessionId: run.sessionId,
        session_id: run.sessionId,
        run_id: run.runId,
      };
      await stream.writeSSE({ data: JSON.stringify(session) });
      for (;;) {
        const event = await subscription.next();
        if (!event) {
          const reason = subscription.closeReason ?? "event stream closed";
          await stream.writeSSE({
            data: JSON.stringify({ type: "error", message: reason, code: "STREAM_CLOSED" }),
          });
          break;
        }
        if (event.run_id !== run.runId) continue;
        const frame = originalFrame(event);
        if (frame) await stream.writeSSE({ data: JSON.stringify(frame) });
        if (TERMINAL.has(event.type)) break;
      }
      await stream.writeSSE({ data: JSON.stringify({ type: "done", sessionId: run.sessionId }) });
      await stream.writeSSE({ data: "[DONE]" });
    } finally {
      subscription.close();
    }
  });
}
