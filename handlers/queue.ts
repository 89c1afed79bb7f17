import { z } from "@hono/zod-openapi";
import { QUEUE_SOURCES, QUEUE_STATUSES } from "../storage/queue-schemas.js";
import { idSchema } from "../storage/schema-helpers.js";
import type { QueueJob } from "./capabilities.js";
import { ApiError } from "./errors.js";
import { createRouter } from "./lib/app-factory.js";
import { checkedJobInput, requireQueue } from "./lib/queue-requests.js";
import { defineRoute } from "./lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery, WorkspaceQuerySchema } from "./lib/schemas.js";
import { resolveWorkspacePath } from "./lib/workspace.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "5f0c…" }),
});

export const EnqueueSchema = z
  .object({
    agent_id: idSchema,
    prompt: z.string().min(1, "must not be empty").max(1_000_000),
    workdir: z.string().optional().openapi({ description: "Absolute directory the agent may use" }),
    session_id: idSchema.optional().openapi({ description: "Continue this session" }),
    priority: z
      .number()
      .int()
      .min(-1000)
      .max(1000)
      .optional()
      .openapi({ description: "Higher first; default 0" }),
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Attempts before the job fails (retries back off exponentially); default 1" }),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .openapi("QueueJobRequest");

const AttemptSchema = z
  .object({
    n: z.number(),
    status: z.string(),
    started_at: z.string(),
    ended_at: z.string().optional(),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    error: z.string().optional(),
  })
  .loose();

export const QueueJobSchema = z
  .object({
    id: z.string(),
    agent_id: z.string(),
    prompt: z.string(),
    status: z.enum(QUEUE_STATUSES),
    source: z.enum(QUEUE_SOURCES),
    priority: z.number().optional(),
    attempts: z.number(),
    max_attempts: z.number().optional(),
    created_at: z.string(),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    not_before: z.string().optional().openapi({ description: "When a retry may start (backoff)" }),
    position: z.number().optional().openapi({ description: "1-based place in run order (queued jobs)" }),
    waiting_ms: z.number().optional().openapi({ description: "Time in the queue so far (queued jobs)" }),
    attempt_log: z.array(AttemptSchema).optional(),
  })
  .loose()
  .openapi("QueueJob");

const LaneSchema = z.object({ running: z.number(), queued: z.number(), limit: z.number() });
const LanesSchema = z
  .object({
    limits: z.object({ concurrency: z.number(), per_agent: z.number(), per_workspace: z.number() }),
    global: LaneSchema,
    agents: z.array(LaneSchema.extend({ agent_id: z.string() })),
    workspaces: z.array(LaneSchema.extend({ workspace_path: z.string() })),
  })
  .openapi("QueueLanes");

const cancelRoute = (method: "delete" | "post", path: string, operationId: string) =>
  defineRoute("operator", {
    method,
    path,
    operationId,
    tags: ["Queue"],
    summary: "Cancel a job: a queued one at once; a running one by stopping its run (answers when it ended)",
    request: { params: IdParams },
    responses: {
      200: jsonContent(QueueJobSchema, "The job, cancelled"),
      ...errorResponses(400, 404, 409, 501),
    },
  });

const found = (job: QueueJob | null, id: string): QueueJob => {
  if (!job) throw new ApiError(404, "JOB_NOT_FOUND", `job '${id}' not found`, { job_id: id });
  return job;
};

/** /api/queue: the durable queue of agent runs, with lanes (global, per agent, per workspace). */
export const queueRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listQueueJobs",
      tags: ["Queue"],
      summary: "Jobs: running, then queued in run order (with position and waiting time), then finished",
      request: {
        query: z.object({
          status: z.enum(QUEUE_STATUSES).optional(),
          agent_id: idSchema.optional(),
          source: z.enum(QUEUE_SOURCES).optional(),
          limit: limitQuery(100),
        }),
      },
      responses: {
        200: jsonContent(z.object({ jobs: z.array(QueueJobSchema), total: z.number() }), "Jobs"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const queue = requireQueue(c.get("services"));
      const { limit, ...filter } = c.req.valid("query");
      const jobs = await queue.list(filter);
      return c.json({ jobs: jobs.slice(0, limit ?? 100), total: jobs.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "enqueueJob",
      tags: ["Queue"],
      summary: "Queue a run of an agent; it starts when its lanes have room",
      request: {
        query: WorkspaceQuerySchema.pick({ workspace_path: true }),
        body: jsonBody(EnqueueSchema),
      },
      responses: {
        202: jsonContent(QueueJobSchema, "Queued"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const queue = requireQueue(services);
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const input = await checkedJobInput(
        services,
        { ...c.req.valid("json"), workspace_path: workspacePath, source: "api" },
        c.get("gatewayConfig").workdirRoots,
      );
      return c.json(await queue.enqueue(input), 202);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/lanes",
      operationId: "getQueueLanes",
      tags: ["Queue"],
      summary: "Running and queued jobs per lane (global, agent, workspace) beside the limits",
      responses: { 200: jsonContent(LanesSchema, "Lanes"), ...errorResponses(501) },
    }),
    async (c) => {
      const queue = requireQueue(c.get("services"));
      if (!queue.lanes) throw new ApiError(501, "NOT_SUPPORTED_IN_RUNTIME", "this queue reports no lanes");
      return c.json(await queue.lanes(), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getQueueJob",
      tags: ["Queue"],
      summary: "One job: status, attempts, position and waiting time",
      request: { params: IdParams },
      responses: { 200: jsonContent(QueueJobSchema, "The job"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(found(await requireQueue(c.get("services")).get(id), id), 200);
    },
  )
  .openapi(cancelRoute("delete", "/{id}", "deleteQueueJob"), async (c) =>
    c.json(await requireQueue(c.get("services")).cancel(c.req.valid("param").id), 200),
  )
  .openapi(cancelRoute("post", "/{id}/cancel", "cancelQueueJob"), async (c) =>
    c.json(await requireQueue(c.get("services")).cancel(c.req.valid("param").id), 200),
  );
