import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { Scopes } from "../../storage/scopes.js";
import { attemptReportOf, type TaskRepository } from "../../storage/tasks.js";
import type { ManagedQueue } from "./managed-queue.js";

export interface TaskSyncOptions {
  scopes: Scopes;
  tasks: TaskRepository;
  logger: Logger;
}

/**
 * Mirrors the queue jobs of tasks (`source: "task"`) onto the tasks' attempts, which also moves a task
 * from inprogress to inreview or back to todo when its run ends. Every report is idempotent, so
 * `reconcile()` at start repairs tasks whose job ended while the gateway was down or just before a crash.
 */
export function attachTaskSync(queue: Pick<ManagedQueue, "list" | "onChange">, options: TaskSyncOptions) {
  const sync = async (job: QueueJob) => {
    if (job.source !== "task" || !job.source_id) return;
    const scope = options.scopes.workspace(job.workspace_path ?? options.scopes.home);
    try {
      await options.tasks.recordAttempt(scope, job.source_id, attemptReportOf(job));
    } catch (error) {
      options.logger.warn({
        msg: "task attempt not recorded",
        task_id: job.source_id,
        job_id: job.id,
        error: (error as Error).message,
      });
    }
  };
  const pending = new Set<Promise<void>>();
  const detach = queue.onChange((job) => {
    const work = sync(job);
    pending.add(work);
    void work.finally(() => pending.delete(work));
  });
  return {
    detach,
    async reconcile(): Promise<void> {
      for (const job of await queue.list({ source: "task" })) await sync(job);
    },
    /** Resolves once every report so far is written (tests). */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
