import type { QueueJob, QueueJobInput, QueueJobStatus, RunQueue } from "../../handlers/capabilities/queue.js";

type Outcome = { status: "succeeded" | "failed" | "cancelled" | "interrupted"; error?: string };

/**
 * An in-memory RunQueue for tests of what enqueues (cron, webhooks, heartbeat): jobs stay queued until the
 * test finishes them with `complete`, or `autoComplete` decides each outcome as it is enqueued.
 */
export class FakeRunQueue implements RunQueue {
  readonly jobs = new Map<string, QueueJob>();
  private readonly waiters = new Map<string, ((job: QueueJob) => void)[]>();
  private next = 1;
  /** Returns an outcome to finish a job at once (after a microtask), or undefined to leave it queued. */
  autoComplete: ((job: QueueJob) => Outcome | undefined) | undefined;
  /** Makes the next enqueue calls fail with this message. */
  failEnqueue: string | undefined;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async enqueue(input: QueueJobInput): Promise<QueueJob> {
    if (this.failEnqueue) throw new Error(this.failEnqueue);
    const id = `q${this.next++}`;
    const job: QueueJob = {
      ...input,
      id,
      status: "queued",
      attempts: 0,
      created_at: this.now().toISOString(),
    };
    this.jobs.set(id, job);
    const outcome = this.autoComplete?.(job);
    if (outcome) queueMicrotask(() => this.complete(id, outcome.status, outcome.error));
    return { ...job };
  }

  /** Starts a job (status running, a run and session id), as the real queue does when a lane frees. */
  begin(id: string): QueueJob {
    const job = this.require(id);
    job.status = "running";
    job.attempts += 1;
    job.started_at = this.now().toISOString();
    job.run_id = `run-${id}`;
    job.attempt_log = [
      {
        n: job.attempts,
        status: "running",
        started_at: job.started_at,
        run_id: job.run_id,
        session_id: `session-${id}`,
      },
    ];
    return { ...job };
  }

  complete(id: string, status: Outcome["status"], error?: string): QueueJob {
    const job = this.require(id);
    if (job.status === "queued") this.begin(id);
    const attempt = job.attempt_log?.at(-1);
    if (attempt) {
      attempt.status = status;
      attempt.ended_at = this.now().toISOString();
    }
    job.status = status === "interrupted" ? "failed" : status;
    job.ended_at = this.now().toISOString();
    if (error) job.error = error;
    for (const resolve of this.waiters.get(id) ?? []) resolve({ ...job });
    this.waiters.delete(id);
    return { ...job };
  }

  async get(id: string): Promise<QueueJob | null> {
    const job = this.jobs.get(id);
    return job ? { ...job } : null;
  }

  async list(
    filter: { status?: QueueJobStatus; source?: QueueJob["source"]; agent_id?: string; limit?: number } = {},
  ) {
    return [...this.jobs.values()]
      .filter((j) => (filter.status ? j.status === filter.status : true))
      .filter((j) => (filter.source ? j.source === filter.source : true))
      .filter((j) => (filter.agent_id ? j.agent_id === filter.agent_id : true))
      .slice(0, filter.limit ?? 100)
      .map((j) => ({ ...j }));
  }

  async cancel(id: string): Promise<QueueJob> {
    return this.complete(id, "cancelled");
  }

  async waitFor(id: string): Promise<QueueJob> {
    const job = this.require(id);
    if (!["queued", "running"].includes(job.status)) return { ...job };
    return new Promise((resolve) => this.waiters.set(id, [...(this.waiters.get(id) ?? []), resolve]));
  }

  byStatus(status: QueueJobStatus): QueueJob[] {
    return [...this.jobs.values()].filter((j) => j.status === status);
  }

  private require(id: string): QueueJob {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no queue job ${id}`);
    return job;
  }
}
