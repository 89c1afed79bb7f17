import { z } from "@hono/zod-openapi";
import { KanbanRepository } from "../../storage/kanban.js";
import {
  TASK_ATTEMPT_STATUSES,
  TASK_STATUSES,
  type TaskRecord,
  TaskRepository,
} from "../../storage/tasks.js";
import type { Services } from "../context.js";

const TaskAttemptSchema = z
  .object({
    n: z.number(),
    job_id: z.string(),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    status: z.enum(TASK_ATTEMPT_STATUSES),
    started_at: z.string(),
    ended_at: z.string().optional(),
    error: z.string().optional(),
  })
  .loose()
  .openapi("TaskAttempt");

export const TaskSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    status: z.enum(TASK_STATUSES),
    agent_id: z.string().optional(),
    workdir: z.string().optional(),
    workspace_path: z.string(),
    source: z.enum(["global", "workspace"]),
    attempts: z.array(TaskAttemptSchema),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .loose()
  .openapi("Task");

/** A task as clients see it: the stored fields plus where it lives. */
export function taskView(record: TaskRecord) {
  return {
    ...record.task,
    id: record.id,
    workspace_path: record.scope.workspacePath,
    source: record.scope.kind,
    path: record.path,
  };
}

const stores = new WeakMap<Services, { tasks: TaskRepository; kanban: KanbanRepository }>();

/** The task and kanban repositories of an app (stateless apart from the clock, so made on first use). */
export function taskStores(services: Services): { tasks: TaskRepository; kanban: KanbanRepository } {
  let found = stores.get(services);
  if (!found) {
    found = { tasks: new TaskRepository(() => services.clock.now()), kanban: new KanbanRepository() };
    stores.set(services, found);
  }
  return found;
}
