import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

export const BACKGROUND_TASK_KINDS = ["reminder", "deferred-run", "deferred-now"] as const;
export const BACKGROUND_TASK_STATUSES = ["scheduled", "running", "complete", "error", "cancelled"] as const;

/**
 * A background task as OpenVesper keeps and answers it (openvesper/openvesper apps/gateway/src/tasks.ts):
 * camelCase, times in epoch milliseconds. The fields after `error` are ours.
 */
export const BackgroundTaskFields = z.object({
  id: z.string().min(1),
  kind: z.enum(BACKGROUND_TASK_KINDS),
  sessionKey: z.string().min(1),
  agent: z.string().optional(),
  channel: z.string(),
  payload: z.string(),
  runAt: z.number(),
  recurEveryMs: z.number().optional(),
  createdAt: z.number(),
  status: z.enum(BACKGROUND_TASK_STATUSES),
  startedAt: z.number().nullable(),
  completedAt: z.number().nullable(),
  result: z.string().nullable(),
  error: z.string().nullable(),
  /** Our session the task's runs continue: the sessionKey when it names one, else the first run's. */
  sessionId: z.string().nullable().optional(),
  /** The queue job and run of its attempt. */
  jobId: z.string().nullable().optional(),
  runId: z.string().nullable().optional(),
  /** The task whose end scheduled this recurrence. */
  previousTaskId: z.string().nullable().optional(),
});

export type BackgroundTask = z.infer<typeof BackgroundTaskFields>;
export type BackgroundTaskStatus = BackgroundTask["status"];
export type BackgroundTaskKind = BackgroundTask["kind"];

const BASE = "background-tasks";
const keyOf = (id: string) => `${BASE}:${id}.yaml`;

/**
 * `background-tasks/<id>.yaml` in the global root, one file per task, written atomically. A file that no
 * longer validates is skipped at load (reported to `onSkip`), never fatal.
 */
export class BackgroundTaskRepository {
  constructor(private readonly scope: Scope) {}

  async loadAll(onSkip: (key: string, reason: string) => void): Promise<BackgroundTask[]> {
    const tasks: BackgroundTask[] = [];
    for (const name of await this.scope.store.keys(BASE)) {
      if (!name.endsWith(".yaml")) continue;
      try {
        const stored = await this.scope.store.read(`${BASE}:${name}`);
        const parsed = BackgroundTaskFields.loose().safeParse(stored?.data);
        if (parsed.success) tasks.push(parsed.data);
        else onSkip(name, parsed.error.message);
      } catch (error) {
        onSkip(name, (error as Error).message);
      }
    }
    return tasks;
  }

  async save(task: BackgroundTask): Promise<void> {
    await this.scope.store.write(keyOf(task.id), { ...task });
  }
}
