import { z } from "@hono/zod-openapi";
import { DomainError } from "../../storage/errors.js";
import { gatewayRoots, resolveAllowedDirectory } from "../../storage/rules/allowed-directory.js";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspace, resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import {
  assertManualTransition,
  TASK_STATUSES,
  TaskFieldsSchema,
  type TaskRecord,
} from "../../storage/tasks.js";
import type { Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { TaskSchema, taskStores, taskView } from "./task-views.js";
import { changeTaskStatus, startTask } from "./task-workflow.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "3b1f…" }),
});
const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

const TaskCreateSchema = z
  .object({
    title: TaskFieldsSchema.shape.title,
    description: TaskFieldsSchema.shape.description.optional(),
    agent_id: TaskFieldsSchema.shape.agent_id.optional(),
    workdir: z.string().optional().openapi({ description: "Where the run works; the workspace when absent" }),
    workspace_path: z.string().optional().openapi({
      description: "Workspace the task belongs to (stored in its .viben/tasks/); home when absent",
    }),
    id: idSchema.optional(),
  })
  .strict()
  .openapi("TaskCreate");

const TaskPatchSchema = z
  .object({
    title: TaskFieldsSchema.shape.title.optional(),
    description: TaskFieldsSchema.shape.description.optional(),
    agent_id: TaskFieldsSchema.shape.agent_id.nullable().optional(),
    workdir: z.string().nullable().optional(),
    status: z.enum(TASK_STATUSES).optional().openapi({
      description:
        "todo, done or cancelled by hand (409 when not allowed from the current status); inprogress starts it",
    }),
  })
  .strict()
  .openapi("TaskPatch", { description: "Fields to change; null removes agent_id or workdir" });

/** An agent a task names must exist where the task lives (400 naming the field otherwise). */
async function checkAgent(services: Services, agentId: string, workspacePath: string): Promise<void> {
  try {
    await findRunnableAgent(services, agentId, workspacePath);
  } catch (error) {
    if (error instanceof DomainError && error.kind === "not_found") {
      throw badRequest("AGENT_NOT_FOUND", `agent_id: agent '${agentId}' not found`, { field: "agent_id" });
    }
    throw error;
  }
}

/**
 * A task's workdir, checked when the task is written as its run will be when it starts: inside the
 * gateway's `workdir_roots` and inside what the task's agent may use (when it names one that exists).
 */
async function checkWorkdir(
  services: Services,
  raw: string,
  agentId: string | undefined,
  workspacePath: string,
  configuredRoots: string[] | undefined,
): Promise<string> {
  const agent = agentId
    ? await findRunnableAgent(services, agentId, workspacePath).catch(ignoreMissing)
    : null;
  if (agent) return resolveWorkdir(services, agent, raw, configuredRoots);
  return resolveAllowedDirectory(services, raw, {
    field: "workdir",
    roots: gatewayRoots(services, configuredRoots),
  });
}

/** A missing agent is reported by checkAgent (or when the task starts), not as a workdir problem. */
function ignoreMissing(error: unknown): null {
  if (error instanceof DomainError && error.kind === "not_found") return null;
  throw error;
}

async function findTask(
  services: Services,
  workspacePath: string | undefined,
  id: string,
): Promise<TaskRecord> {
  const workspace = await resolveWorkspace(services, { workspace_path: workspacePath });
  return taskStores(services).tasks.get(workspace.scopes, id);
}

/** /api/tasks: tasks stored in their workspace, started through the queue, each attempt linked to its run. */
export const tasksRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listTasks",
      tags: ["Tasks"],
      summary: "Tasks of a workspace (and global ones unless include_global=false), oldest first",
      request: {
        query: WorkspaceQuerySchema.extend({
          status: z.enum(TASK_STATUSES).optional(),
          agent_id: idSchema.optional(),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            tasks: z.array(TaskSchema),
            total: z.number(),
            warnings: z.array(z.object({ id: z.string(), path: z.string(), error: z.string() })),
          }),
          "Tasks",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const query = c.req.valid("query");
      const workspace = await resolveWorkspace(services, query);
      const { tasks, problems } = await taskStores(services).tasks.list(workspace.scopes);
      const views = tasks
        .filter(
          (t) =>
            (!query.status || t.task.status === query.status) &&
            (!query.agent_id || t.task.agent_id === query.agent_id),
        )
        .map(taskView);
      return c.json({ tasks: views, total: views.length, warnings: problems }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createTask",
      tags: ["Tasks"],
      summary: "Create a task (status todo) in a workspace",
      request: { body: jsonBody(TaskCreateSchema) },
      responses: { 201: jsonContent(TaskSchema, "The task"), ...errorResponses(400, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { workspace_path, id, workdir, ...fields } = c.req.valid("json");
      const workspacePath = await resolveWorkspacePath(services, workspace_path);
      if (fields.agent_id) await checkAgent(services, fields.agent_id, workspacePath);
      const roots = c.get("gatewayConfig").workdirRoots;
      const record = await taskStores(services).tasks.create(
        services.scopes.workspace(workspacePath),
        {
          ...fields,
          workdir:
            workdir === undefined
              ? undefined
              : await checkWorkdir(services, workdir, fields.agent_id, workspacePath, roots),
        },
        id,
      );
      return c.json(taskView(record), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getTask",
      tags: ["Tasks"],
      summary: "One task with its attempts",
      request: { params: IdParams, query: ScopeQuery },
      responses: { 200: jsonContent(TaskSchema, "The task"), ...errorResponses(400, 404, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const record = await findTask(services, c.req.valid("query").workspace_path, c.req.valid("param").id);
      return c.json(taskView(record), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/{id}",
      operationId: "updateTask",
      tags: ["Tasks"],
      summary:
        "Edit a task, or move it by hand (done, cancelled, back to todo); leaving inprogress cancels its run",
      request: { params: IdParams, query: ScopeQuery, body: jsonBody(TaskPatchSchema) },
      responses: { 200: jsonContent(TaskSchema, "The task"), ...errorResponses(400, 404, 409, 422, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { status, workdir, ...fields } = c.req.valid("json");
      let record = await findTask(services, c.req.valid("query").workspace_path, c.req.valid("param").id);
      // Refuse an impossible move before anything is written.
      if (status) assertManualTransition(record.id, record.task.status, status);
      if (fields.agent_id) await checkAgent(services, fields.agent_id, record.scope.workspacePath);
      const patch: Record<string, unknown> = { ...fields };
      // A new workdir, or a new agent for the current one, is checked as the run will be.
      const nextWorkdir = workdir === undefined ? record.task.workdir : workdir;
      if (nextWorkdir != null && (workdir != null || fields.agent_id !== undefined)) {
        const agentId = fields.agent_id === undefined ? record.task.agent_id : fields.agent_id;
        const checked = await checkWorkdir(
          services,
          nextWorkdir,
          agentId ?? undefined,
          record.scope.workspacePath,
          c.get("gatewayConfig").workdirRoots,
        );
        if (workdir != null) patch.workdir = checked;
      } else if (workdir === null) patch.workdir = null;
      if (Object.values(patch).some((v) => v !== undefined)) {
        record = await taskStores(services).tasks.update(record, () => patch);
      }
      if (status)
        record = await changeTaskStatus(services, record, status, c.get("gatewayConfig").workdirRoots);
      return c.json(taskView(record), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteTask",
      tags: ["Tasks"],
      summary: "Delete a task (409 while it is in progress: cancel it first)",
      request: { params: IdParams, query: ScopeQuery },
      responses: {
        200: jsonContent(z.object({ success: z.boolean(), id: z.string() }), "Deleted"),
        ...errorResponses(400, 404, 409, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const record = await findTask(services, c.req.valid("query").workspace_path, c.req.valid("param").id);
      if (record.task.status === "inprogress") {
        throw new ApiError(409, "TASK_IN_PROGRESS", `task '${record.id}' is in progress; cancel it first`, {
          task_id: record.id,
        });
      }
      await taskStores(services).tasks.remove(record);
      return c.json({ success: true, id: record.id }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/start",
      operationId: "startTask",
      tags: ["Tasks"],
      summary: "Start the task: queue a run of its agent (title + description) and move it to inprogress",
      request: { params: IdParams, query: ScopeQuery },
      responses: { 202: jsonContent(TaskSchema, "Started"), ...errorResponses(400, 404, 409, 422, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const record = await findTask(services, c.req.valid("query").workspace_path, c.req.valid("param").id);
      const started = await startTask(services, record, c.get("gatewayConfig").workdirRoots);
      return c.json(taskView(started), 202);
    },
  );
