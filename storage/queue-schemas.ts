import { z } from "./zod.js";

export const QUEUE_SOURCES = ["api", "cron", "webhook", "task", "heartbeat", "channel"] as const;
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

/** One attempt of a job: how its run started and ended. */
export const QueueAttemptFields = z.object({
  n: z.number().int().positive(),
  status: z.enum(ATTEMPT_STATUSES),
  started_at: z.string(),
  ended_at: z.string().optional(),
  run_id: z.string().optional(),
  session_id: z.string().optional(),
  pid: z.number().int().optional(),
  error: z.string().optional(),
});

/** As stored: keys a newer gateway wrote are kept. */
export const QueueAttemptSchema = QueueAttemptFields.loose();

export type QueueAttempt = z.infer<typeof QueueAttemptFields>;

/** A job's stored fields (the API's QueueJob without the fields computed when read). */
export const QueueJobFields = z.object({
  id: z.string().min(1),
  agent_id: z.string().min(1),
  prompt: z.string(),
  /** Absolute workdir; the agent's default when absent (see prepareChatRun). */
  workdir: z.string().optional(),
  /** Continue this session. */
  session_id: z.string().optional(),
  /** Where the agent is looked up (and the per-workspace lane); the home directory when absent. */
  workspace_path: z.string().optional(),
  /** Higher runs first; default 0. */
  priority: z.number().int().optional(),
  /** Attempts before the job fails for good (retries with backoff); default 1. */
  max_attempts: z.number().int().positive().optional(),
  source: z.enum(QUEUE_SOURCES),
  /** The cron job, task, webhook delivery … that asked. */
  source_id: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  status: z.enum(QUEUE_STATUSES),
  attempts: z.number().int().min(0),
  created_at: z.string(),
  started_at: z.string().optional(),
  ended_at: z.string().optional(),
  not_before: z.string().optional().openapi({ description: "When a retry may start (backoff)" }),
  run_id: z.string().optional(),
  error: z.string().optional(),
  /** When the job last entered the queue (enqueue or retry): the start of its current wait. */
  queued_at: z.string().optional(),
  /** A cancel was asked while it ran; the run is being stopped. */
  cancel_requested: z.boolean().optional(),
  /** Every attempt that started, oldest first, with how it ended. */
  attempt_log: z.array(QueueAttemptFields).optional(),
});

/** A job as the journal stores it: keys a newer gateway wrote are kept. */
export const QueueJobRecordSchema = QueueJobFields.extend({
  attempt_log: z.array(QueueAttemptSchema).optional(),
}).loose();

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
  /** Absolute workdir; the agent's default when absent (see prepareChatRun). */
  workdir: z.string().startsWith("/", "must be an absolute path").optional(),
  /** Continue this session. */
  session_id: z.string().min(1).max(200).optional(),
  /** Where the agent is looked up (and the per-workspace lane); the home directory when absent. */
  workspace_path: z.string().startsWith("/", "must be an absolute path").optional(),
  /** Higher runs first; default 0. */
  priority: z.number().int().min(-1000).max(1000).optional(),
  /** Attempts before the job fails for good (retries with backoff); default 1. */
  max_attempts: z.number().int().min(1).max(100).optional(),
  source: z.enum(QUEUE_SOURCES),
  /** The cron job, task, webhook delivery … that asked. */
  source_id: z.string().min(1).max(500).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type QueueJobInput = z.infer<typeof QueueJobInputSchema>;
export type QueueSource = (typeof QUEUE_SOURCES)[number];
export type QueueJobStatus = (typeof QUEUE_STATUSES)[number];
