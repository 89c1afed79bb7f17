import type { EventInput } from "../../handlers/capabilities/events.js";
import type { QueueJob, QueueJobInput } from "../../handlers/capabilities/queue.js";
import { conflict, notFound, StorageError } from "../../storage/errors.js";
import { QueueJobInputSchema, type QueueJobRecord } from "../../storage/queue-schemas.js";
import { describeIssues } from "../../storage/schema-helpers.js";

/**
 * What every queue implementation (the journal-backed one, the Redis-shared one) does alike with a job
 * outside its scheduling: validating input into a new job, the read view, the `queue_job` event, errors.
 */

const iso = (ms: number) => new Date(ms).toISOString();

/** A new queued job from API input; a 400 naming the problem when the input is invalid. */
export function newQueueJob(input: QueueJobInput, id: string, now: number): QueueJob {
  const parsed = QueueJobInputSchema.safeParse(input);
  if (!parsed.success) {
    const { message, issues } = describeIssues(parsed.error);
    throw new StorageError("validation", "VALIDATION_ERROR", `invalid job: ${message}`, { issues });
  }
  return {
    ...stripUndefined(parsed.data),
    id,
    priority: parsed.data.priority ?? 0,
    max_attempts: parsed.data.max_attempts ?? 1,
    status: "queued",
    attempts: 0,
    created_at: iso(now),
    queued_at: iso(now),
    attempt_log: [],
  };
}

/** The stored fields of a job (the view's computed ones dropped), as an independent copy. */
export function jobRecord(job: QueueJob): QueueJobRecord {
  const { position: _position, waiting_ms: _waiting, ...record } = job;
  return structuredClone(record) as QueueJobRecord;
}

/** A copy of the job as the API answers it: queued jobs with their place and time waited so far. */
export function jobView(job: QueueJob, position: number | undefined, now: number): QueueJob {
  const view = structuredClone(job);
  if (view.status !== "queued") return view;
  const since = Date.parse(view.queued_at ?? view.created_at);
  return { ...view, position, waiting_ms: Math.max(0, now - since) };
}

/** The `queue_job` event announcing a job's new state. */
export function queueJobEvent(view: QueueJob): EventInput {
  return {
    type: "queue_job",
    job_id: view.id,
    status: view.status,
    agent_id: view.agent_id,
    source: view.source,
    source_id: view.source_id,
    attempts: view.attempts,
    ...(view.run_id ? { run_id: view.run_id } : {}),
    ...(view.session_id ? { session_id: view.session_id } : {}),
    ...(view.error ? { error: view.error } : {}),
  };
}

export function jobNotFound(id: string): StorageError {
  return notFound("JOB_NOT_FOUND", `job '${id}' not found`, { job_id: id });
}

export function jobFinished(job: QueueJob): StorageError {
  return conflict("JOB_FINISHED", `job '${job.id}' already ended (${job.status})`, {
    job_id: job.id,
    status: job.status,
  });
}

export const shuttingDown = () => conflict("GATEWAY_SHUTTING_DOWN", "the gateway is shutting down");

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
