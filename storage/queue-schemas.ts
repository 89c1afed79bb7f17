import { z } from "./zod.js";

export const QUEUE_SOURCES = ["api", "cron", "webhook", "task", "heartbeat"] as const;
export const QUEUE_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "interrupted",
] as const;
/** Statuses a job never leaves. */
export const FINAL_QUEUE_STATUSES = ["succeeded", "failed", "cancelled"] as const;
export const ATTEMPT_STATUSES = ["running", "succeeded", "failed", "cancelled", "interrupted"] as const;

export const QueueAttemptSchema = z
  .object({
    n: z.number().int().positive(),
    status: z.enum(ATTEMPT_STATUSES),
    started_at: z.string(),
    ended_at: z.string().optional(),
    run_id: z.string().optional(),
    session_id: z.string().optional(),
    pid: z.number().int().optional(),
    error: z.string().optional(),
  })
  .loose();

/** A job as the journal stores it (the API's QueueJob without the fields computed when read). */
export const QueueJobRecordSchema = z
  .object({
    id: z.string().min(1),
    agent_id: z.string().min(1),
    prompt: z.string(),
    workdir: z.string().optional(),
    session_id: z.string().optional(),
    workspace_path: z.string().optional(),
    priority: z.number().int().optional(),
    max_attempts: z.number().int().positive().optional(),
    source: z.enum(QUEUE_SOURCES),
    source_id: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    status: z.enum(QUEUE_STATUSES),
    attempts: z.number().int().min(0),
    created_at: z.string(),
    started_at: z.string().optional(),
    ended_at: z.string().optional(),
    not_before: z.string().optional(),
    run_id: z.string().optional(),
    error: z.string().optional(),
    queued_at: z.string().optional(),
    cancel_requested: z.boolean().optional(),
    attempt_log: z.array(QueueAttemptSchema).optional(),
  })
  .loose();

export type QueueJobRecord = z.infer<typeof QueueJobRecordSchema>;

/**
 * One journal line: a full snapshot of a job after a transition. `rev` grows with every line written, so
 * replaying lines in any order and keeping the highest `rev` per job gives the latest state; `seq` is the
 * job's place in enqueue order (FIFO within a priority), fixed when it is first queued.
 */
export const JournalEntrySchema = z.object({
  rev: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  job: QueueJobRecordSchema,
});

export type JournalEntry = z.infer<typeof JournalEntrySchema>;

export function isFinalQueueStatus(status: string): boolean {
  return (FINAL_QUEUE_STATUSES as readonly string[]).includes(status);
}

/** What a caller may enqueue (`RunQueue.enqueue`): checked before anything is written. */
export const QueueJobInputSchema = z.object({
  agent_id: z.string().min(1, "must not be empty").max(200),
  prompt: z.string().min(1, "must not be empty").max(1_000_000),
  workdir: z.string().startsWith("/", "must be an absolute path").optional(),
  session_id: z.string().min(1).max(200).optional(),
  workspace_path: z.string().startsWith("/", "must be an absolute path").optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  max_attempts: z.number().int().min(1).max(100).optional(),
  source: z.enum(QUEUE_SOURCES),
  source_id: z.string().min(1).max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
