import { z } from "@hono/zod-openapi";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import {
  acceptKnownFields,
  InputWarningSchema,
  StrictQuerySchema,
  withWarnings,
} from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { streamRun, wantsEventStream } from "./spawn-stream.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "my-agent" }),
});
const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

export const SpawnSchema = z.object({
  prompt: z.string().min(1, "must not be empty").max(1_000_000),
  workdir: z.string().openapi({ description: "Absolute, existing directory the agent may use" }),
  session_id: idSchema
    .optional()
    .openapi({ description: "Continue this session (resumes the executor's own)" }),
});
const SpawnBody = SpawnSchema.loose().openapi("SpawnRequest", {
  description: "Unknown fields (such as the original's `config`) are ignored and listed in `warnings`",
});

const StopBody = z.object({ session_id: idSchema });

const IGNORED_SPAWN_FIELDS = {
  config: "executor settings come from the agent's configuration; ignored",
};

const SpawnAnswerSchema = z.object({
  success: z.boolean(),
  session_id: z.string(),
  run_id: z.string(),
  pid: z.number(),
  status: z.literal("spawned").openapi({ description: "The original Viben field" }),
  warnings: z.array(InputWarningSchema).optional(),
});

const SPAWN_STREAM_DESCRIPTION =
  "With `Accept: text/event-stream`: the original Viben's stream, one `data:` JSON frame each: " +
  '`{"type":"session","sessionId"}`, then `text {content, partial}`, `tool_use {id, name, input}`, ' +
  "`tool_result {toolUseId, output, isError}`, and `result {subtype, cost, duration}` or " +
  '`error {message, code}`, then `{"type":"done","sessionId"}` and `data: [DONE]`.';

/** /api/agent/:id/spawn and /stop: start an agent's executor in a workdir, and stop it. */
export const agentRunsRouter = createRouter()
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/spawn",
      operationId: "spawnAgent",
      tags: ["Runs"],
      summary: "Start the agent's executor on a prompt; events stream on /api/events and /ws",
      request: {
        params: IdParams,
        query: ScopeQuery.merge(StrictQuerySchema),
        headers: z.object({
          accept: z.string().optional().openapi({ description: "text/event-stream for the run's stream" }),
        }),
        body: jsonBody(SpawnBody),
      },
      responses: {
        200: {
          description: `Started. ${SPAWN_STREAM_DESCRIPTION}`,
          content: {
            "application/json": { schema: SpawnAnswerSchema },
            "text/event-stream": { schema: z.string() },
          },
        },
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { id } = c.req.valid("param");
      const { fields: body, warnings } = acceptKnownFields(
        c,
        SpawnSchema,
        c.req.valid("json"),
        IGNORED_SPAWN_FIELDS,
      );
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const agent = await findRunnableAgent(services, id, workspacePath);
      await assertRunAllowed(c, agent.id);
      const workdir = await resolveWorkdir(
        services,
        agent,
        body.workdir,
        c.get("gatewayConfig").workdirRoots,
      );
      const request = { agent, prompt: body.prompt, workdir, sessionId: body.session_id, source: "spawn" };
      if (wantsEventStream(c)) {
        // Subscribed before the start, so the run's first events are not missed.
        const subscription = requireCapability(services, "events").subscribe({}, { maxQueue: 10_000 });
        const run = await runs.start(request).catch((error: unknown) => {
          subscription.close();
          throw error;
        });
        return streamRun(c, subscription, run) as unknown as ReturnType<
          typeof c.json<z.infer<typeof SpawnAnswerSchema>, 200>
        >;
      }
      const run = await runs.start(request);
      const answer = {
        success: true,
        session_id: run.sessionId,
        run_id: run.runId,
        pid: run.pid,
        status: "spawned" as const,
      };
      return c.json(withWarnings(answer, warnings), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/stop",
      operationId: "stopAgent",
      tags: ["Runs"],
      summary: "Stop a session's run: interrupt, then terminate and kill its whole process tree",
      request: { params: IdParams, query: StrictQuerySchema, body: jsonBody(StopBody.loose()) },
      responses: {
        200: jsonContent(
          z.object({
            success: z.boolean(),
            stopped: z.boolean().openapi({ description: "false when nothing ran" }),
          }),
          "Stopped",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { session_id } = acceptKnownFields(c, StopBody, c.req.valid("json")).fields;
      const session = await services.sessions?.find(session_id);
      if (session && session.agent_id !== c.req.valid("param").id) {
        return c.json({ success: false, stopped: false }, 200);
      }
      const stopped = await runs.stop(session_id);
      return c.json({ success: true, stopped }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/stop/{sessionId}",
      // Served, not documented: the original client's spelling overlaps `/api/agent/{id}/…`, and the
      // seeds' templates paths are the one overlap the document keeps (the `/api/agents` alias likewise).
      hide: true,
      operationId: "stopSession",
      tags: ["Runs"],
      summary: "Stop a session's run by session id alone (the original Viben's route)",
      request: {
        params: z.object({
          sessionId: idSchema.openapi({ param: { name: "sessionId", in: "path" }, example: "abc123" }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            success: z.boolean(),
            sessionId: z.string(),
            session_id: z.string(),
            stopped: z.boolean().openapi({ description: "false when the session had no run going" }),
          }),
          "Stopped",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { sessionId } = c.req.valid("param");
      const stopped = await runs.stop(sessionId);
      if (!stopped && !(await services.sessions?.find(sessionId))) {
        throw new ApiError(404, "SESSION_NOT_FOUND", `session '${sessionId}' not found`, {
          session_id: sessionId,
        });
      }
      return c.json({ success: true, sessionId, session_id: sessionId, stopped }, 200);
    },
  );
