import { type AppendLog, checkLimit } from "./append-log.js";
import { CRON_TRIGGERS } from "./cron-state.js";
import { isoTimestamp } from "./schema-helpers.js";
import { z } from "./zod.js";

/**
 * `queued` waits for the job's previous run (overlap policy `queue`); `running` was handed to the run
 * queue; the rest are final.
 */
export const CRON_RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "missed",
  "skipped",
  "interrupted",
] as const;
export type CronRunStatus = (typeof CRON_RUN_STATUSES)[number];
export const FINAL_CRON_RUN_STATUSES: readonly CronRunStatus[] = [
  "succeeded",
  "failed",
  "missed",
  "skipped",
  "interrupted",
];

export const CronRunRecordSchema = z.looseObject({
  id: z.string().min(1),
  job_id: z.string().min(1),
  scheduled_for: isoTimestamp,
  trigger: z.enum(CRON_TRIGGERS),
  status: z.enum(CRON_RUN_STATUSES),
  started_at: isoTimestamp.nullable(),
  ended_at: isoTimestamp.nullable(),
  session_id: z.string().nullable(),
  run_id: z.string().nullable(),
  /** The run queue's job (`GET /api/queue/{id}`). */
  queue_job_id: z.string().nullable(),
  error: z.string().nullable(),
});

export type CronRunRecord = z.infer<typeof CronRunRecordSchema>;

const runsKey = (jobId: string) => `cron:runs:${jobId}.jsonl`;
/** A run is logged at most three times (queued, running, final); reading this many lines per run suffices. */
const SNAPSHOTS_PER_RUN = 3;

/**
 * A job's run history: an append-only log of whole-record snapshots, the last snapshot of an id winning.
 * Appending never rewrites, so a crash loses at most a torn last line; deterministic ids (missed and
 * skipped times) make recording the same fact twice harmless.
 */
export class CronRunLog {
  constructor(private readonly log: AppendLog) {}

  async append(records: readonly CronRunRecord[]): Promise<void> {
    const byJob = new Map<string, CronRunRecord[]>();
    for (const r of records) byJob.set(r.job_id, [...(byJob.get(r.job_id) ?? []), r]);
    for (const [jobId, list] of byJob) await this.log.append(runsKey(jobId), list);
  }

  /** The newest runs first (by scheduled time), each in its latest state. */
  async recent(jobId: string, limit: number): Promise<CronRunRecord[]> {
    checkLimit(limit);
    const page = await this.log.readTail(runsKey(jobId), {
      limit: Math.min(limit * SNAPSHOTS_PER_RUN, 10_000),
    });
    const latest = new Map<string, CronRunRecord>();
    for (const raw of page.records) {
      const parsed = CronRunRecordSchema.safeParse(raw);
      if (parsed.success) latest.set(parsed.data.id, parsed.data);
    }
    return [...latest.values()]
      .sort((a, b) => b.scheduled_for.localeCompare(a.scheduled_for) || (a.id < b.id ? 1 : -1))
      .slice(0, limit);
  }

  async remove(jobId: string): Promise<void> {
    await this.log.remove(runsKey(jobId));
  }
}
