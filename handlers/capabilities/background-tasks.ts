import { z } from "@hono/zod-openapi";
import {
  type BackgroundTask,
  BackgroundTaskFields,
  type BackgroundTaskStatus,
} from "../../storage/background-tasks.js";

export type { BackgroundTask, BackgroundTaskStatus } from "../../storage/background-tasks.js";
export { BACKGROUND_TASK_KINDS, BACKGROUND_TASK_STATUSES } from "../../storage/background-tasks.js";

/**
 * A background task as OpenVesper answers it (openvesper/openvesper apps/gateway/src/tasks.ts): camelCase,
 * times in epoch milliseconds. `reminder` only announces `payload` at `runAt`; `deferred-run` and
 * `deferred-now` run `payload` as a prompt through the run queue.
 */
export const BackgroundTaskSchema = BackgroundTaskFields.loose().openapi("BackgroundTask");

/** What `POST /tasks` takes (checked by the handler). */
export interface BackgroundTaskInput {
  kind: BackgroundTask["kind"];
  sessionKey: string;
  agent?: string;
  channel?: string;
  payload: string;
  /** Epoch ms; now when absent. */
  runAt?: number;
  recurEveryMs?: number;
}

export const BackgroundTaskCountsSchema = z
  .object({ total: z.number(), scheduled: z.number(), running: z.number(), complete: z.number() })
  .openapi("BackgroundTaskCounts");

export type BackgroundTaskCounts = z.infer<typeof BackgroundTaskCountsSchema>;

/** Durable, scheduled agent work (Node): each due task goes through the run queue. */
export interface BackgroundTaskService {
  create(input: BackgroundTaskInput): Promise<BackgroundTask>;
  /** Soonest first. */
  list(filter?: { status?: BackgroundTaskStatus; sessionKey?: string }): BackgroundTask[];
  get(id: string): BackgroundTask | null;
  /** Cancels a scheduled task, or stops a running one; false when it had already ended. */
  cancel(id: string): Promise<boolean>;
  /** Counts from memory (cheap enough for /health). */
  counts(): BackgroundTaskCounts;
}
