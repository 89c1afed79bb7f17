import type { SSEStreamingApi } from "hono/streaming";
import type { EventSubscription } from "../capabilities/events.js";
import type { RunRegistry } from "../capabilities/run-registry.js";
import { awaitRecord } from "./run-wait.js";

/**
 * OpenVesper's stream of one run (streaming.ts there: `start`, `token`, `tool-call`, `tool-result`,
 * `done {reply, durationMs}` or `error {error}`), fed by the run's events as they happen rather than by
 * chunking the finished reply. `done` is sent from the run's final record. A replayed run (same
 * Idempotency-Key) has no live events left: its reply comes as one token.
 */
export async function openVesperStream(
  stream: SSEStreamingApi,
  subscription: EventSubscription,
  registry: RunRegistry,
  runId: string,
  agentId: string,
  replayed: boolean,
): Promise<void> {
  const send = (frame: Record<string, unknown>) => stream.writeSSE({ data: JSON.stringify(frame) });
  stream.onAbort(() => subscription.close("client went away"));
  try {
    const first = await registry.get(runId);
    await send({ type: "start", sessionId: first?.session_id ?? "pending", agent: agentId, runId });
    if (!replayed) {
      for (;;) {
        const event = await subscription.next();
        if (!event) {
          await send({ type: "error", error: subscription.closeReason ?? "event stream closed", runId });
          return;
        }
        if (event.run_id !== runId) continue;
        if (event.type === "delta") await send({ type: "token", text: event.content });
        else if (event.type === "tool_start")
          await send({ type: "tool-call", tool: event.tool, input: event.input });
        else if (event.type === "tool_end")
          await send({
            type: "tool-result",
            tool: event.tool,
            output: event.result,
            isError: event.is_error,
          });
        else if (event.type === "run_complete" || event.type === "run_error") break;
      }
    }
    subscription.close();
    const record = await awaitRecord(registry, runId);
    const reply = record.result?.reply ?? "";
    if (record.status !== "completed") {
      await send({ type: "error", error: record.result?.error ?? `the run ended ${record.status}`, runId });
      return;
    }
    if (replayed && reply) await send({ type: "token", text: reply });
    await send({ type: "done", reply, durationMs: record.duration_ms ?? 0, runId });
  } finally {
    subscription.close();
  }
}
