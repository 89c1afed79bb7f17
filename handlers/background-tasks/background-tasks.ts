import { z } from "@hono/zod-openapi";
import { conflict } from "../../storage/errors.js";
import { BackgroundTaskCountsSchema } from "../capabilities/background-tasks.js";
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
import { BackgroundTaskViewSchema, backgroundTaskView } from "./background-task-views.js";
import { taskNotFound } from "./tasks-openvesper.js";

const TAGS = ["Background tasks"];

/** /api/background-tasks: OpenVesper's background tasks (/tasks) in our conventions. */
export const backgroundTasksRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listBackgroundTasks",
      tags: TAGS,
      summary: "Background tasks, soonest first",
      request: { query: BackgroundTaskListQuerySchema },
      responses: {
        200: jsonContent(z.object({ tasks: z.array(BackgroundTaskViewSchema), total: z.number() }), "Tasks"),
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
      return c.json({ tasks: tasks.map(backgroundTaskView), total: tasks.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createBackgroundTask",
      tags: TAGS,
      summary: "Schedule a background task: a reminder, or a prompt run through the queue at run_at",
      request: { body: jsonBody(BackgroundTaskRequestSchema) },
      responses: {
        201: jsonContent(BackgroundTaskViewSchema, "The task, scheduled"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const service = requireCapability(c.get("services"), "backgroundTasks");
      const task = await service.create(backgroundTaskInput(c.req.valid("json")));
      return c.json(backgroundTaskView(task), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/status",
      operationId: "getBackgroundTaskCounts",
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
      operationId: "getBackgroundTask",
      tags: TAGS,
      summary: "One background task",
      request: { params: TaskIdParams },
      responses: {
        200: jsonContent(BackgroundTaskViewSchema, "The task"),
        ...errorResponses(400, 404, 501),
      },
    }),
    (c) => {
      const { id } = c.req.valid("param");
      const task = requireCapability(c.get("services"), "backgroundTasks").get(id);
      if (!task) throw taskNotFound(id);
      return c.json(backgroundTaskView(task), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "cancelBackgroundTask",
      tags: TAGS,
      summary: "Cancel a background task (a running one's run is stopped)",
      request: { params: TaskIdParams },
      responses: {
        200: jsonContent(BackgroundTaskViewSchema, "The task, cancelled"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const service = requireCapability(c.get("services"), "backgroundTasks");
      const task = service.get(id);
      if (!task) throw taskNotFound(id);
      if (!(await service.cancel(id))) {
        throw conflict("TASK_ENDED", `background task '${id}' already ended (${task.status})`, {
          task_id: id,
          status: task.status,
        });
      }
      return c.json(backgroundTaskView(service.get(id) ?? task), 200);
    },
  );
