import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { RunRecordView } from "../capabilities/run-registry.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { IdempotencyHeaders, startIdempotent } from "./idempotent-start.js";
import {
  type OpenVesperRunBody,
  prepareOpenVesperRun,
  OpenVesperRunRequestSchema as RunBody,
} from "./openvesper-requests.js";
import { openVesperStream } from "./openvesper-stream.js";
import { awaitRecord } from "./run-wait.js";

/*
 * OpenVesper's run routes at its literal paths (openvesper/openvesper apps/gateway/src/index.ts): the
 * same runs as /api/chat and /api/runs, answered in its camelCase shapes.
 */

/** What every route here starts from: the capabilities it needs and the prepared run (access checked). */
async function prepareRun(c: Context<AppEnv>, body: OpenVesperRunBody, channel: string) {
  const services = c.get("services");
  const runs = requireCapability(services, "runs");
  const registry = requireCapability(services, "runRegistry");
  return { services, runs, registry, request: await prepareOpenVesperRun(services, c, body, channel) };
}

const SyncAnswerSchema = z
  .object({
    sessionId: z.string(),
    runId: z.string(),
    reply: z.string(),
    toolCalls: z.array(z.object({ name: z.string() }).loose()),
    durationMs: z.number(),
    agent: z.string(),
    status: z.enum(["ok", "error"]).openapi({ description: "error: the run failed; `reply` says why" }),
    error: z.string().optional(),
    sessionKey: z.string().optional(),
    session_id: z.string(),
    run_id: z.string(),
    tokens: z.object({ input: z.number(), output: z.number() }),
    cost_cents: z.number(),
  })
  .openapi("OpenVesperAgentReply");

const AsyncAnswerSchema = z
  .object({
    runId: z.string(),
    acceptedAt: z.number().openapi({ description: "Unix milliseconds" }),
    status: z.literal("accepted"),
    sessionId: z.string(),
    run_id: z.string(),
    session_id: z.string(),
  })
  .openapi("OpenVesperAsyncRun");

const STREAM_DESCRIPTION =
  'Server-Sent Events, one `data:` JSON frame each: `{"type":"start","sessionId","agent","runId"}`, then ' +
  "`token {text}` as the agent writes, `tool-call {tool, input}`, `tool-result {tool, output}`, and last " +
  "`done {reply, durationMs}` or `error {error}`.";

/** The sync answer, from the run's final record. */
function syncAnswer(record: RunRecordView, sessionKey: string | undefined) {
  const result = record.result ?? { reply: "", tokens: { input: 0, output: 0 }, cost_cents: 0 };
  const ok = record.status === "completed";
  const error = ok ? undefined : (result.error ?? `the run ended ${record.status}`);
  return {
    sessionId: record.session_id,
    runId: record.run_id,
    // As the original: a failed run answers 200 with `status: "error"` and the error as the reply.
    reply: ok ? result.reply : `Error: ${error}`,
    toolCalls: (result.tools_used ?? []).map((name) => ({ name })),
    durationMs: record.duration_ms ?? 0,
    agent: record.agent_id,
    status: ok ? ("ok" as const) : ("error" as const),
    ...(error ? { error } : {}),
    ...(sessionKey ? { sessionKey } : {}),
    session_id: record.session_id,
    run_id: record.run_id,
    tokens: result.tokens,
    cost_cents: result.cost_cents,
  };
}

/** POST /agent, /agent/async and /agent/stream. */
export const openVesperAgentRouter = createRouter()
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "runAgentSync",
      tags: ["Runs"],
      summary: "Run the agent on a message and answer with its full reply (OpenVesper's POST /agent)",
      request: { headers: IdempotencyHeaders, body: jsonBody(RunBody) },
      responses: {
        200: jsonContent(SyncAnswerSchema, "The reply (status error when the run failed)"),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { runs, registry, request } = await prepareRun(c, body, "rest");
      const { runId, handle } = await startIdempotent(c, body, () => runs.start(request));
      if (handle) await handle.done;
      const record = await awaitRecord(registry, runId);
      return c.json(syncAnswer(record, request.sessionKey), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/async",
      operationId: "runAgentAsync",
      tags: ["Runs"],
      summary: "Start a run and answer at once with its run id (wait on /agent/run/{runId}/wait)",
      request: { headers: IdempotencyHeaders, body: jsonBody(RunBody) },
      responses: {
        200: jsonContent(AsyncAnswerSchema, "Accepted; the run goes on"),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { services, runs, registry, request } = await prepareRun(c, body, "rest");
      const { runId } = await startIdempotent(c, body, () => runs.start(request));
      const record = await registry.get(runId);
      const acceptedAt = record ? Date.parse(record.accepted_at) : services.clock.now().getTime();
      const sessionId = record?.session_id ?? request.sessionId ?? "";
      return c.json(
        { runId, acceptedAt, status: "accepted" as const, sessionId, run_id: runId, session_id: sessionId },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/stream",
      operationId: "streamAgentRun",
      tags: ["Runs"],
      summary: "Run the agent and stream its reply as Server-Sent Events (start, token…, done)",
      request: { headers: IdempotencyHeaders, body: jsonBody(RunBody) },
      responses: {
        200: {
          description: STREAM_DESCRIPTION,
          content: { "text/event-stream": { schema: z.string() } },
        },
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { services, runs, registry, request } = await prepareRun(c, body, "sse");
      // Subscribed before the start, so the run's first events are not missed.
      const subscription = requireCapability(services, "events").subscribe({}, { maxQueue: 10_000 });
      const started = await startIdempotent(c, body, () => runs.start(request)).catch((error: unknown) => {
        subscription.close();
        throw error;
      });
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, (stream) =>
        openVesperStream(stream, subscription, registry, started.runId, request.agent.id, started.replayed),
      ) as unknown as Response & ReturnType<typeof c.json<string, 200>>;
    },
  );
