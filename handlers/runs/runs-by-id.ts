import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { forwardingUnknownRuns } from "../middleware/run-forwarding.js";
import { IdempotencyHeaders, startIdempotent } from "./idempotent-start.js";
import { prepareChatRun } from "./run-requests.js";
import { RunRecordViewSchema, runView } from "./run-views.js";
import { DEFAULT_WAIT_MS, runNotFound, waitTimeout } from "./run-wait.js";

/*
 * /api/runs: the run registry in our conventions. POST starts a run and answers 202 at once (what
 * /api/agent/{id}/spawn does, with the agent in the body and the default agent when none is named);
 * /{id}, /{id}/wait and /{id}/abort reach any run by its run id (or a queue job by its job id).
 * GET /api/runs itself stays the run history (handlers/telemetry/dashboard.ts).
 */

const IdParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "id", in: "path" }, example: "0b6f…" }),
});

const CreateRunSchema = z
  .object({
    prompt: z.string().min(1, "must not be empty").max(1_000_000),
    agent_id: idSchema
      .optional()
      .openapi({ description: "Default: the session's agent, else the default agent" }),
    workdir: z.string().optional().openapi({ description: "Absolute, existing directory the agent may use" }),
    session_id: idSchema.optional().openapi({ description: "Continue this session" }),
  })
  .strict()
  .openapi("CreateRunRequest");

const CreatedRunSchema = z
  .object({
    run_id: z.string(),
    session_id: z.string(),
    pid: z.number(),
    status: z.string(),
    accepted_at: z.string(),
  })
  .openapi("CreatedRun");

const WaitQuery = z.object({
  timeout_ms: z
    .string()
    .optional()
    .openapi({ type: "integer", description: "Default 300000 (5 min); at most 3600000" }),
});
const WaitBody = z.object({ timeout_ms: z.number().int().optional() }).loose();

export const runsByIdRouter = forwardingUnknownRuns(createRouter())
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createRun",
      tags: ["Runs"],
      summary: "Start a run and answer 202 with its run id (then GET, wait on or abort /api/runs/{id})",
      request: { headers: IdempotencyHeaders, body: jsonBody(CreateRunSchema) },
      responses: {
        202: jsonContent(CreatedRunSchema, "Started"),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const registry = requireCapability(services, "runRegistry");
      const body = c.req.valid("json");
      const request = await prepareChatRun(
        services,
        { message: body.prompt, agent_id: body.agent_id, session_id: body.session_id, workdir: body.workdir },
        c.get("gatewayConfig").workdirRoots,
        "api",
      );
      await assertRunAllowed(c, request.agent.id);
      const { runId, replayed } = await startIdempotent(c, body, () => runs.start(request));
      const record = await registry.get(runId);
      // Several instances share Idempotency-Keys but not (yet) run records: the run lives elsewhere.
      if (!record && replayed) throw runOnAnotherInstance(runId);
      if (!record) throw runNotFound(runId);
      c.header("Location", `/api/runs/${encodeURIComponent(runId)}`);
      return c.json(
        {
          run_id: runId,
          session_id: record.session_id,
          pid: record.pid ?? 0,
          status: record.status,
          accepted_at: record.accepted_at,
        },
        202,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getRun",
      tags: ["Runs"],
      summary: "A run by its id: status, agent, session, source, times and result",
      request: { params: IdParams },
      responses: { 200: jsonContent(RunRecordViewSchema, "The run"), ...errorResponses(404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const registry = requireCapability(services, "runRegistry");
      const { id } = c.req.valid("param");
      const record = await registry.get(id);
      if (!record) throw runNotFound(id);
      // A run that names a channel (wake, cron, channel message) shows where its answer went.
      const deliveries = services.channels
        ? await services.channels.deliveries({ run_id: record.run_id })
        : [];
      return c.json(runView(record, deliveries), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "post",
      path: "/{id}/wait",
      operationId: "waitForRun",
      tags: ["Runs"],
      summary: "Wait until the run ends or timeout_ms passes; `done` and `timed_out` say which",
      request: {
        params: IdParams,
        query: WaitQuery,
        body: { required: false, content: { "application/json": { schema: WaitBody } } },
      },
      responses: {
        200: jsonContent(
          RunRecordViewSchema.extend({ timed_out: z.boolean() }),
          "The run when it ended, or as it is when the timeout passed",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const registry = requireCapability(c.get("services"), "runRegistry");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json") as z.infer<typeof WaitBody> | undefined;
      const timeoutMs = waitTimeout([c.req.valid("query"), body], DEFAULT_WAIT_MS);
      const waited = await registry.wait(id, timeoutMs);
      if (!waited) throw runNotFound(id);
      return c.json({ ...runView(waited.record), done: waited.done, timed_out: waited.timedOut }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/abort",
      operationId: "abortRun",
      tags: ["Runs"],
      summary: "Stop the run, killing its processes, or cancel a queued job; answers once it has ended",
      request: { params: IdParams },
      responses: {
        200: jsonContent(
          RunRecordViewSchema.extend({
            aborted: z.boolean().openapi({ description: "false when it had already ended" }),
          }),
          "The run after the abort",
        ),
        ...errorResponses(404, 501),
      },
    }),
    async (c) => {
      const registry = requireCapability(c.get("services"), "runRegistry");
      const { id } = c.req.valid("param");
      const result = await registry.abort(id);
      if (!result) throw runNotFound(id);
      return c.json({ ...runView(result.record), aborted: result.aborted }, 200);
    },
  );

const runOnAnotherInstance = (runId: string) =>
  new ApiError(
    409,
    "RUN_ON_ANOTHER_INSTANCE",
    `the run of this Idempotency-Key (${runId}) was started by another gateway instance; ask that one`,
    { run_id: runId },
  );
