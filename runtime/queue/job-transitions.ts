import type { QueueAttempt, QueueJob } from "../../handlers/capabilities/queue.js";
import type { RunOutcome } from "../../handlers/capabilities/runs.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import { isPermanentFailure, retryDelayMs } from "./retry-policy.js";

/**
 * The state changes of one job, as pure mutations shared by the live queue and by recovery at start, so
 * a job interrupted by a crash follows exactly the policy of one that failed while the gateway ran.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export function currentAttempt(job: QueueJob): QueueAttempt | undefined {
  return job.attempt_log?.at(-1);
}

/** queued → running: one more attempt, recorded before the run starts. */
export function beginAttempt(job: QueueJob, now: number): void {
  job.status = "running";
  job.attempts += 1;
  job.started_at = iso(now);
  job.not_before = undefined;
  job.attempt_log = [
    ...(job.attempt_log ?? []),
    { n: job.attempts, status: "running", started_at: iso(now) },
  ];
}

/** Undoes `beginAttempt` when nothing was started (the journal write failed, or the gateway is stopping). */
export function revertAttempt(job: QueueJob): void {
  job.status = "queued";
  job.attempts = Math.max(0, job.attempts - 1);
  job.attempt_log = job.attempt_log?.slice(0, -1);
}

function closeAttempt(job: QueueJob, status: QueueAttempt["status"], now: number, error?: string): void {
  const attempt = currentAttempt(job);
  if (attempt && attempt.status === "running") {
    attempt.status = status;
    attempt.ended_at = iso(now);
    if (error) attempt.error = error;
  }
}

/** The run completed, or a cancel took effect: the job is over. */
export function finishJob(
  job: QueueJob,
  status: "succeeded" | "cancelled" | "failed",
  now: number,
  error?: string,
): void {
  closeAttempt(job, status, now, error);
  job.status = status;
  job.ended_at = iso(now);
  job.not_before = undefined;
  if (error) job.error = error;
  else if (status === "succeeded") job.error = undefined;
}

/**
 * The attempt failed (or was interrupted): back in the queue after a backoff while attempts remain and
 * the failure can be retried at all, else failed for good. Answers the job's new status.
 */
export function failAttempt(
  job: QueueJob,
  error: string,
  options: { now: number; settings: QueueSettings; permanent?: boolean; interrupted?: boolean },
): "queued" | "failed" {
  const { now, settings } = options;
  closeAttempt(job, options.interrupted ? "interrupted" : "failed", now, error);
  job.error = error;
  if (!options.permanent && job.attempts < (job.max_attempts ?? 1)) {
    job.status = "queued";
    job.queued_at = iso(now);
    const delay = retryDelayMs(job.attempts, settings);
    job.not_before = delay > 0 ? iso(now + delay) : undefined;
    return "queued";
  }
  job.status = "failed";
  job.ended_at = iso(now);
  job.not_before = undefined;
  return "failed";
}

/** How an attempt's run ended, as the queue learns it. */
export interface AttemptResult {
  outcome?: RunOutcome;
  /** The run could not be prepared or started (or its `done` rejected). */
  error?: unknown;
  /** A cancel took effect before the run started. */
  cancelled?: boolean;
}

/**
 * Ends a running attempt: success, cancel, a stop by shutdown (interrupted: retried by policy elsewhere or
 * at the next start), or a failure (retried while attempts remain, else failed).
 */
export function settleAttempt(
  job: QueueJob,
  result: AttemptResult,
  options: { now: number; settings: QueueSettings; stopping: boolean },
): void {
  const { now, settings } = options;
  const outcome = result.outcome;
  if (outcome?.status === "completed") {
    finishJob(job, "succeeded", now);
  } else if (job.cancel_requested || result.cancelled) {
    finishJob(job, "cancelled", now, "cancelled");
  } else if (options.stopping && outcome?.status === "stopped") {
    failAttempt(job, "interrupted: the gateway shut down during the run", {
      now,
      settings,
      interrupted: true,
    });
  } else {
    const message = outcome
      ? (outcome.error ?? `the run ended ${outcome.status}`)
      : result.error instanceof Error
        ? result.error.message
        : String(result.error);
    failAttempt(job, message, { now, settings, permanent: !outcome && isPermanentFailure(result.error) });
  }
}
