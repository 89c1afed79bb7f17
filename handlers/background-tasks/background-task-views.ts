import { z } from "@hono/zod-openapi";
import type { BackgroundTask } from "../capabilities/background-tasks.js";

const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

/** A background task in our own conventions (snake_case, ISO times) for /api/background-tasks. */
export function backgroundTaskView(task: BackgroundTask) {
  return {
    id: task.id,
    kind: task.kind,
    session_key: task.sessionKey,
    session_id: task.sessionId ?? null,
    agent_id: task.agent ?? null,
    channel: task.channel,
    payload: task.payload,
    run_at: iso(task.runAt) as string,
    recur_every_ms: task.recurEveryMs ?? null,
    status: task.status,
    created_at: iso(task.createdAt) as string,
    started_at: iso(task.startedAt),
    completed_at: iso(task.completedAt),
    result: task.result,
    error: task.error,
    job_id: task.jobId ?? null,
    run_id: task.runId ?? null,
    previous_task_id: task.previousTaskId ?? null,
  };
}

export const BackgroundTaskViewSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    session_key: z.string(),
    session_id: z.string().nullable(),
    agent_id: z.string().nullable(),
    channel: z.string(),
    payload: z.string(),
    run_at: z.string(),
    recur_every_ms: z.number().nullable(),
    status: z.string(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    result: z.string().nullable(),
    error: z.string().nullable(),
    job_id: z.string().nullable(),
    run_id: z.string().nullable(),
    previous_task_id: z.string().nullable(),
  })
  .openapi("BackgroundTaskView");
