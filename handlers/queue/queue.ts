import { z } from "@hono/zod-openapi";
import { notSupported } from "../../storage/errors.js";
import { QUEUE_SOURCES, QUEUE_STATUSES } from "../../storage/queue-schemas.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { assertRunAllowed } from "../access/run-access.js";
import { type QueueJob, QueueJobSchema, QueueLaneReportSchema } from "../capabilities/queue.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery, WorkspaceQuerySchema } from "../lib/schemas.js";
import { checkedJobInput } from "./queue-requests.js";

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
      const queue = requireCapability(c.get("services"), "queue");
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
      const queue = requireCapability(services, "queue");
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const input = await checkedJobInput(
        services,
        { ...c.req.valid("json"), workspace_path: workspacePath, source: "api" },
        c.get("gatewayConfig").workdirRoots,
      );
      await assertRunAllowed(c, input.agent_id);
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
      responses: { 200: jsonContent(QueueLaneReportSchema, "Lanes"), ...errorResponses(501) },
    }),
    async (c) => {
      const queue = requireCapability(c.get("services"), "queue");
      if (!queue.lanes) throw notSupported("this queue reports no lanes");
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
      return c.json(found(await requireCapability(c.get("services"), "queue").get(id), id), 200);
    },
  )
  .openapi(cancelRoute("delete", "/{id}", "deleteQueueJob"), async (c) =>
    c.json(await requireCapability(c.get("services"), "queue").cancel(c.req.valid("param").id), 200),
  )
  .openapi(cancelRoute("post", "/{id}/cancel", "cancelQueueJob"), async (c) =>
    c.json(await requireCapability(c.get("services"), "queue").cancel(c.req.valid("param").id), 200),
  );
