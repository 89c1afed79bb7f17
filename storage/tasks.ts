import { conflict, notFound, StorageError } from "./errors.js";
import { assertValidId } from "./ids.js";
import { describeIssues, idSchema, isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

export const TASK_STATUSES = ["todo", "inprogress", "inreview", "done", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_ATTEMPT_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type TaskAttemptStatus = (typeof TASK_ATTEMPT_STATUSES)[number];

export const TaskAttemptSchema = z
  .object({
    n: z.number().int().positive(),
    job_id: z.string().min(1),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    status: z.enum(TASK_ATTEMPT_STATUSES),
    started_at: isoTimestamp,
    ended_at: isoTimestamp.optional(),
    error: z.string().optional(),
  })
  .loose();

export type TaskAttempt = z.infer<typeof TaskAttemptSchema>;

/** What the queue reports about a task's run attempt (the attempt number is assigned on record). */
export interface TaskAttemptReport {
  job_id: string;
  status: TaskAttemptStatus;
  started_at: string;
  run_id?: string;
  session_id?: string;
  ended_at?: string;
  error?: string;
}

/** Fields a client sets (create and PATCH). */
export const TaskFieldsSchema = z.object({
  title: z.string().trim().min(1, "must not be empty").max(500),
  description: z.string().max(100_000),
  agent_id: idSchema,
  /** Absolute directory the run works in; the task's workspace when absent. */
  workdir: z.string().startsWith("/", "must be an absolute path"),
});

export type TaskFields = z.infer<typeof TaskFieldsSchema>;

/** `<root>/tasks/<id>.yaml`: known fields validated, keys written by hand kept. */
export const StoredTaskSchema = z
  .object({
    title: TaskFieldsSchema.shape.title,
    description: z.string().default(""),
    status: z.enum(TASK_STATUSES).default("todo"),
    agent_id: idSchema.optional(),
    workdir: TaskFieldsSchema.shape.workdir.optional(),
    attempts: z.array(TaskAttemptSchema).default([]),
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
  })
  .loose();

export type StoredTask = z.infer<typeof StoredTaskSchema>;

export interface TaskRecord {
  id: string;
  scope: Scope;
  path: string;
  task: StoredTask;
}

export const TASKS_BASE = "tasks";
const taskKey = (id: string) => `${TASKS_BASE}:${id}.yaml`;

/**
 * Status changes a person (PATCH, a kanban move) may make. Starting (→ inprogress) goes through the
 * queue, and a run's end moves inprogress → inreview (success) or → todo (failure); see `recordAttempt`.
 */
export const MANUAL_TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  todo: ["done", "cancelled"],
  // Leaving inprogress by hand cancels the task's run.
  inprogress: ["todo", "cancelled"],
  inreview: ["todo", "done", "cancelled"],
  done: ["todo"],
  cancelled: ["todo"],
};

/** Statuses from which a task may be started (again). */
export const STARTABLE_STATUSES: readonly TaskStatus[] = ["todo", "inreview"];

export function assertManualTransition(id: string, from: TaskStatus, to: TaskStatus): void {
  if (from === to) return;
  if (to === "inprogress") {
    assertStartable(id, from);
    return;
  }
  if (!MANUAL_TRANSITIONS[from].includes(to)) {
    throw conflict("ILLEGAL_TRANSITION", `task '${id}' cannot move from ${from} to ${to}`, {
      task_id: id,
      from,
      to,
      allowed: MANUAL_TRANSITIONS[from],
    });
  }
}

export function assertStartable(id: string, from: TaskStatus): void {
  if (!STARTABLE_STATUSES.includes(from)) {
    throw conflict("ILLEGAL_TRANSITION", `task '${id}' cannot be started from ${from}`, {
      task_id: id,
      from,
      to: "inprogress",
      allowed_from: STARTABLE_STATUSES,
    });
  }
}

const ATTEMPT_RANK: Record<TaskAttemptStatus, number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  cancelled: 2,
};

/** The task status an attempt's end leads to (only applied while the task is inprogress). */
const AFTER_ATTEMPT: Partial<Record<TaskAttemptStatus, TaskStatus>> = {
  succeeded: "inreview",
  failed: "todo",
  cancelled: "todo",
};

function parseTask(id: string, data: Record<string, unknown>, key: string): StoredTask {
  const parsed = StoredTaskSchema.safeParse(data);
  if (!parsed.success) {
    const { message } = describeIssues(parsed.error);
    throw new StorageError("corrupt", "INVALID_TASK", `${key}: ${message}`, { task_id: id });
  }
  return parsed.data;
}

export interface TaskProblem {
  id: string;
  path: string;
  error: string;
}

/** Tasks stored as `<root>/tasks/<id>.yaml` in a workspace (the home workspace: the global root). */
export class TaskRepository {
  constructor(
    private readonly now: () => Date,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {}

  /** Tasks of the scopes, earlier scopes first; files that do not parse are reported, not thrown. */
  async list(scopes: Scope[]): Promise<{ tasks: TaskRecord[]; problems: TaskProblem[] }> {
    const tasks: TaskRecord[] = [];
    const problems: TaskProblem[] = [];
    for (const scope of scopes) {
      const ids = (await scope.store.keys(TASKS_BASE))
        .map((key) => /^([^:]+)\.yaml$/.exec(key)?.[1])
        .filter((id): id is string => id !== undefined);
      for (const id of ids) {
        try {
          const record = await this.load(scope, id);
          if (record) tasks.push(record);
        } catch (error) {
          if (!(error instanceof StorageError)) throw error;
          problems.push({ id, path: scope.store.pathOf(taskKey(id)), error: error.message });
        }
      }
    }
    tasks.sort((a, b) => a.task.created_at.localeCompare(b.task.created_at) || a.id.localeCompare(b.id));
    return { tasks, problems };
  }

  async find(scopes: Scope[], id: string): Promise<TaskRecord | null> {
    assertValidId(id, "id");
    for (const scope of scopes) {
      const record = await this.load(scope, id);
      if (record) return record;
    }
    return null;
  }

  async get(scopes: Scope[], id: string): Promise<TaskRecord> {
    const record = await this.find(scopes, id);
    if (!record) throw notFound("TASK_NOT_FOUND", `task '${id}' not found`, { task_id: id });
    return record;
  }

  async create(
    scope: Scope,
    fields: Partial<TaskFields> & { title: string },
    id?: string,
  ): Promise<TaskRecord> {
    const taskId = id === undefined ? this.newId() : assertValidId(id, "id");
    const now = this.now().toISOString();
    const value = {
      ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)),
      description: fields.description ?? "",
      status: "todo",
      attempts: [],
      created_at: now,
      updated_at: now,
    };
    const key = taskKey(taskId);
    parseTask(taskId, value, key);
    const stored = await scope.store.createIfAbsent(key, value);
    if (!stored) {
      throw conflict("TASK_EXISTS", `task '${taskId}' already exists in the ${scope.kind} scope`, {
        task_id: taskId,
      });
    }
    return { id: taskId, scope, path: scope.store.pathOf(key), task: parseTask(taskId, stored.data, key) };
  }

  /**
   * Read-modify-write serialised per task: `patchFor` sees the current task and returns a shallow patch
   * (null deletes a key), or null to change nothing. Throws what `patchFor` throws (e.g. a conflict).
   */
  async update(
    record: Pick<TaskRecord, "id" | "scope">,
    patchFor: (task: StoredTask) => Record<string, unknown> | null,
  ): Promise<TaskRecord> {
    const key = taskKey(record.id);
    let unchanged: StoredTask | undefined;
    const stored = await record.scope.store.update(key, (doc) => {
      if (!doc) throw notFound("TASK_NOT_FOUND", `task '${record.id}' not found`, { task_id: record.id });
      const current = parseTask(record.id, yamlToObject(doc), key);
      const patch = patchFor(current);
      if (!patch) {
        unchanged = current;
        return null;
      }
      applyPatch(doc, { ...patch, updated_at: this.now().toISOString() });
      parseTask(record.id, yamlToObject(doc), key);
      return doc;
    });
    const task = stored ? parseTask(record.id, stored.data, key) : unchanged!;
    return { id: record.id, scope: record.scope, path: record.scope.store.pathOf(key), task };
  }

  async remove(record: TaskRecord): Promise<void> {
    await record.scope.store.remove([taskKey(record.id)]);
  }

  /**
   * Records what became of a run attempt (matched by job id, appended when new). An attempt only moves
   * forward (queued → running → an end), so reports may arrive twice or out of order. When the newest
   * attempt ends while the task is inprogress, the task moves on: success → inreview, else → todo; a
   * task moved by hand meanwhile (done, cancelled) keeps its status. Null when the task is gone.
   */
  async recordAttempt(scope: Scope, id: string, report: TaskAttemptReport): Promise<TaskRecord | null> {
    try {
      return await this.update({ id, scope }, (task) => mergeAttempt(task, report));
    } catch (error) {
      if (error instanceof StorageError && error.code === "TASK_NOT_FOUND") return null;
      throw error;
    }
  }

  private async load(scope: Scope, id: string): Promise<TaskRecord | null> {
    const key = taskKey(id);
    const stored = await scope.store.read(key);
    if (!stored) return null;
    return { id, scope, path: scope.store.pathOf(key), task: parseTask(id, stored.data, key) };
  }
}

/** The patch that records `report` on `task`, or null when it changes nothing. */
function mergeAttempt(task: StoredTask, report: TaskAttemptReport): Record<string, unknown> | null {
  const attempts = task.attempts.map((a) => ({ ...a }));
  let attempt: TaskAttempt | undefined = attempts.find((a) => a.job_id === report.job_id);
  let statusChanged = false;
  if (!attempt) {
    attempt = { ...report, n: Math.max(0, ...attempts.map((a) => a.n)) + 1 };
    attempts.push(attempt);
    statusChanged = true;
  } else {
    const before = JSON.stringify(attempt);
    const forward = ATTEMPT_RANK[report.status] > ATTEMPT_RANK[attempt.status];
    for (const [field, value] of Object.entries(report)) {
      if (value === undefined || field === "started_at") continue;
      // Identity fields fill in whenever known; the status (and its end) only moves forward.
      if (field === "status" || field === "ended_at" || field === "error") {
        if (forward) Object.assign(attempt, { [field]: value });
      } else Object.assign(attempt, { [field]: value });
    }
    statusChanged = forward;
    if (JSON.stringify(attempt) === before) return null;
  }
  const newest = attempt.n === Math.max(...attempts.map((a) => a.n));
  const next = AFTER_ATTEMPT[attempt.status];
  const status = statusChanged && newest && next && task.status === "inprogress" ? next : undefined;
  return { attempts, ...(status ? { status } : {}) };
}

/** The fields of a queue job that a task attempt mirrors (structural, so storage needs no queue types). */
export interface QueueJobLike {
  id: string;
  status: string;
  created_at: string;
  run_id?: string;
  session_id?: string;
  ended_at?: string;
  error?: string;
}

/** A task attempt as the state of its queue job (a job between retries still counts as running). */
export function attemptReportOf(job: QueueJobLike): TaskAttemptReport {
  const status: TaskAttemptStatus =
    job.status === "succeeded" || job.status === "failed" || job.status === "cancelled"
      ? job.status
      : job.status === "queued" && !job.run_id
        ? "queued"
        : "running";
  return {
    job_id: job.id,
    status,
    started_at: job.created_at,
    run_id: job.run_id,
    session_id: job.session_id,
    ended_at: job.ended_at,
    error: status === "failed" || status === "cancelled" ? job.error : undefined,
  };
}
