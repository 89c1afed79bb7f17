import { z } from "@hono/zod-openapi";
import { BackgroundTaskCountsSchema, BackgroundTaskSchema } from "../capabilities/background-tasks.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  BackgroundTaskListQuerySchema,
  BackgroundTaskRequestSchema,
  backgroundTaskInput,
  TaskIdParams,
} from "./background-task-requests.js";

const TAGS = ["Background tasks"];

/**
 * /tasks: OpenVesper's background tasks at their literal path and in its shapes (a bare array, the task
 * itself, `{cancelled}`), over the same service as /api/background-tasks. Not our kanban (/api/tasks).
 */
export const tasksOpenVesperRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listOpenVesperTasks",
      tags: TAGS,
      summary: "Background tasks, soonest first (OpenVesper's shape: a bare array)",
      request: { query: BackgroundTaskListQuerySchema },
      responses: {
        200: jsonContent(z.array(BackgroundTaskSchema), "Tasks"),
        ...errorResponses(400, 501),
      },
    }),
    (c) => {
      const { status, sessionKey, session_key } = c.req.valid("query");
      const key = sessionKey ?? session_key;
      const tasks = requireCapability(c.get("services"), "backgroundTasks").list({
        ...(status ? { status } : {}),
        ...(key ? { sessionKey: key } : {}),
      });
      return c.json(tasks, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createOpenVesperTask",
      tags: TAGS,
      summary: "Schedule a background task: a reminder, or a prompt run through the queue at runAt",
      request: { body: jsonBody(BackgroundTaskRequestSchema) },
      responses: {
        200: jsonContent(BackgroundTaskSchema, "The task, scheduled"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const service = requireCapability(c.get("services"), "backgroundTasks");
      return c.json(await service.create(backgroundTaskInput(c.req.valid("json"))), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/status",
      operationId: "getOpenVesperTaskCounts",
      tags: TAGS,
      summary: "How many background tasks there are, scheduled, running and complete",
      responses: { 200: jsonContent(BackgroundTaskCountsSchema, "Counts"), ...errorResponses(501) },
    }),
    (c) => c.json(requireCapability(c.get("services"), "backgroundTasks").counts(), 200),
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getOpenVesperTask",
      tags: TAGS,
      summary: "One background task",
      request: { params: TaskIdParams },
      responses: {
        200: jsonContent(BackgroundTaskSchema, "The task"),
        ...errorResponses(400, 404, 501),
      },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const task = requireCapability(c.get("services"), "backgroundTasks").get(id);
      if (!task) throw taskNotFound(id);
      return c.json(task, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "cancelOpenVesperTask",
      tags: TAGS,
      summary: "Cancel a background task (a running one's run is stopped); false when it had ended",
      request: { params: TaskIdParams },
      responses: {
        200: jsonContent(z.object({ cancelled: z.boolean() }), "Whether it was cancelled"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const service = requireCapability(c.get("services"), "backgroundTasks");
      // The original answers {cancelled: false} for an unknown id too; a 404 names the mistake instead.
      if (!service.get(id)) throw taskNotFound(id);
      return c.json({ cancelled: await service.cancel(id) }, 200);
    },
  );

export const taskNotFound = (id: string) =>
  new ApiError(404, "TASK_NOT_FOUND", `background task '${id}' not found`, { task_id: id });
