import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { JournalEntry } from "../../storage/queue-schemas.js";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import { currentAttempt, failAttempt, finishJob } from "./job-transitions.js";

export const INTERRUPTED_REASON = "interrupted: the gateway stopped while the job was running";

export interface RecoveredJob {
  seq: number;
  job: QueueJob;
}

export interface RecoveryNote {
  id: string;
  /** What became of a job found running: retried, failed, cancelled, or found to have completed. */
  outcome: QueueJob["status"];
  reason: string;
}

export interface RecoveryResult {
  jobs: RecoveredJob[];
  notes: RecoveryNote[];
  /** Finished jobs beyond `retain_finished`, left out of the compacted journal. */
  dropped: number;
}

export interface RecoveryOptions {
  now: number;
  settings: QueueSettings;
  /**
   * Whether the run an attempt recorded completed after all (the gateway died between the run's end and
   * the journal line saying so); such a job is finished rather than run again.
   */
  runCompleted?: (sessionId: string, runId: string) => Promise<boolean>;
}

/**
 * Decides, at start, the fate of every job the journal left unfinished: a job found `running` (or
 * `interrupted`) had its run cut by a crash or a kill, so its attempt is recorded as interrupted and the
 * job is retried while attempts remain, else failed, each with a reason; a cancel asked before the crash
 * wins. Queued jobs keep their place. Old finished jobs are trimmed to `retain_finished`.
 */
export async function recoverJobs(
  entries: JournalEntry[],
  options: RecoveryOptions,
): Promise<RecoveryResult> {
  const notes: RecoveryNote[] = [];
  const live: RecoveredJob[] = [];
  const finished: RecoveredJob[] = [];
  for (const entry of entries) {
    const job = structuredClone(entry.job) as QueueJob;
    if (job.status === "running" || job.status === "interrupted") {
      const reason = await settleInterrupted(job, options);
      notes.push({ id: job.id, outcome: job.status, reason });
    }
    (isFinalQueueStatus(job.status) ? finished : live).push({ seq: entry.seq, job });
  }
  finished.sort((a, b) => (b.job.ended_at ?? "").localeCompare(a.job.ended_at ?? "") || b.seq - a.seq);
  const kept = finished.slice(0, options.settings.retain_finished);
  return { jobs: [...live, ...kept], notes, dropped: finished.length - kept.length };
}

/** Settles one job found running (or interrupted) whose run was cut; answers the reason. */
export async function settleInterrupted(job: QueueJob, options: RecoveryOptions): Promise<string> {
  const attempt = currentAttempt(job);
  if (
    job.status === "running" &&
    attempt?.run_id &&
    attempt.session_id &&
    (await options.runCompleted?.(attempt.session_id, attempt.run_id).catch(() => false))
  ) {
    finishJob(job, "succeeded", options.now);
    return "the run had completed before the gateway stopped";
  }
  if (job.cancel_requested) {
    const reason = "cancelled; the gateway stopped before the run ended";
    finishJob(job, "cancelled", options.now, reason);
    return reason;
  }
  job.status = "interrupted";
  const outcome = failAttempt(job, INTERRUPTED_REASON, {
    now: options.now,
    settings: options.settings,
    interrupted: true,
  });
  return outcome === "queued"
    ? `${INTERRUPTED_REASON}; retried (attempt ${job.attempts + 1} of ${job.max_attempts ?? 1})`
    : `${INTERRUPTED_REASON}; no attempts left`;
}
