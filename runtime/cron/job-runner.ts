import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../../handlers/capabilities/queue.js";
import type { CronJob } from "../../storage/cron-jobs.js";
import type { CronRunLog, CronRunRecord, CronRunStatus } from "../../storage/cron-runs.js";
import type { CronActiveRun, CronState, CronStateRepository, CronTrigger } from "../../storage/cron-state.js";
import { conflict } from "../../storage/errors.js";
import { KeyedMutex } from "../../storage/lock.js";
import { dueTimes } from "./due-times.js";
import type { CronOccurrenceClaims } from "./occurrence-claims.js";
import type { CompiledSchedule } from "./schedule.js";

/** What the scheduler holds for one job; `state` mirrors cron/state/<id>.yaml (only the scheduler writes it). */
export interface JobEntry {
  job: CronJob;
  schedule?: CompiledSchedule;
  /** Why the stored schedule does not compile (a hand edit). */
  problem?: string;
  state: CronState;
}

export interface CronJobRunnerOptions {
  states: CronStateRepository;
  runs: CronRunLog;
  queue: RunQueue;
  events?: EventBus;
  logger: Logger;
  now: () => Date;
  newId: () => string;
  /** The job's current entry (it may have been deleted or replaced meanwhile). */
  lookup: (jobId: string) => JobEntry | undefined;
  /** Called after every write of a job's state (the scheduler's due index follows it). */
  stateWritten?: (entry: JobEntry) => void;
  /** Several instances on one set of jobs (multi-instance mode): each time is dealt with by one of them. */
  claims?: CronOccurrenceClaims;
}

/** A time the timer reaches this late still counts as on time; later (the machine slept) is a misfire. */
export const ON_TIME_MS = 30_000;
/** Misfires recorded individually per catch-up; earlier ones are summarised in the oldest record. */
export const MAX_LISTED_MISSES = 100;

const QUEUE_FINAL: Partial<Record<QueueJob["status"], CronRunStatus>> = {
  succeeded: "succeeded",
  failed: "failed",
  cancelled: "failed",
  interrupted: "interrupted",
};

const iso = (d: Date) => d.toISOString();
const later = (a: string | undefined, b: string) => (a && a > b ? a : b);

/** The time up to which a job's schedule has been dealt with. */
export function watermarkOf(entry: JobEntry): Date {
  return new Date(entry.state.handled_until ?? entry.job.created_at);
}

/**
 * Fires, records and finishes one job's runs. Everything for a job runs under its lock, and the order of
 * durable writes is what makes restarts safe: the watermark and a "running" marker are written before the
 * run is enqueued (so a time is never fired twice), the marker is removed only after the final record is
 * appended (so a run never ends unrecorded), and recovery resolves every marker a crash left behind.
 */
export class CronJobRunner {
  private readonly locks = new KeyedMutex();
  private readonly recording = new Set<Promise<unknown>>();
  /** Claims (see CronOccurrenceClaims) this instance made for times it has not finished dealing with. */
  private readonly claimed = new Map<string, { after: number; through: number }>();
  private stopped = false;

  constructor(private readonly options: CronJobRunnerOptions) {}

  withJob<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(jobId, work);
  }

  /** After this, outcomes are left for the next start's recovery (storage is about to close). */
  stop(): void {
    this.stopped = true;
  }

  /** Deals with every scheduled time in (watermark, now]: fires the on-time one, applies the misfire policy to the rest. */
  async handleDue(entry: JobEntry, now: Date, atStartup: boolean): Promise<void> {
    if (!entry.schedule || !entry.job.enabled) return;
    const owed = dueTimes(entry.schedule, watermarkOf(entry), now, MAX_LISTED_MISSES);
    const latest = owed.times.at(-1);
    if (!latest) return;
    let { times, omitted } = owed;
    if (this.options.claims) {
      // Times up to the fence were fired or recorded by another instance: this one only moves on.
      let fence = await this.options.claims.claimThrough(entry.job.id, latest.getTime());
      // Our own claim from a firing that failed (storage trouble) and is being tried again.
      const own = this.claimed.get(entry.job.id);
      if (own && own.through === fence) fence = own.after;
      if (fence >= latest.getTime()) {
        this.claimed.delete(entry.job.id);
        await this.writeState(entry, (s) => ({ ...s, handled_until: later(s.handled_until, iso(latest)) }));
        return;
      }
      this.claimed.set(entry.job.id, { after: fence, through: latest.getTime() });
      if (times[0] && times[0].getTime() <= fence) {
        times = times.filter((t) => t.getTime() > fence);
        omitted = false;
      }
    }
    const onTime = !atStartup && now.getTime() - latest.getTime() <= ON_TIME_MS;
    const missed = onTime ? times.slice(0, -1) : times;
    const catchUp = !onTime && entry.job.misfire_policy === "run_once" ? missed.pop() : undefined;
    if (missed.length > 0) {
      const reason = atStartup
        ? "the gateway was not running at this time"
        : "the scheduler woke too late (the machine slept or the process stalled)";
      const records = missed.map((t, i) =>
        this.record(entry.job, {
          id: `missed-${iso(t)}`,
          scheduled_for: iso(t),
          trigger: "schedule",
          status: "missed",
          ended_at: iso(now),
          error: i === 0 && omitted ? `${reason}; earlier missed times are not listed` : reason,
        }),
      );
      await this.options.runs.append(records);
      for (const r of records) this.publish(entry.job, r);
    }
    const fireAt = onTime ? latest : catchUp;
    if (fireAt) await this.fire(entry, fireAt, onTime ? "schedule" : "catch_up", latest);
    else await this.writeState(entry, (s) => ({ ...s, handled_until: later(s.handled_until, iso(latest)) }));
    this.claimed.delete(entry.job.id);
  }

  /**
   * One firing under the overlap policy: `allow` always starts a run; `skip` records a skipped firing
   * while a run is active; `queue` keeps one firing waiting for the active run (further ones are skipped).
   * A manual firing that would be skipped is refused instead (409).
   */
  async fire(
    entry: JobEntry,
    scheduledFor: Date,
    trigger: CronTrigger,
    watermark?: Date,
  ): Promise<CronRunRecord> {
    const advance = (s: CronState): CronState =>
      watermark ? { ...s, handled_until: later(s.handled_until, iso(watermark)) } : s;
    if (entry.state.active.length > 0) await this.reconcile(entry);
    const policy = entry.job.overlap_policy;
    if (entry.state.active.length > 0 && policy !== "allow") {
      const waiting = entry.state.active.some((a) => a.status === "queued");
      if (policy === "skip" || waiting) {
        if (trigger === "manual") {
          throw conflict(
            "CRON_JOB_BUSY",
            `cron job '${entry.job.id}' has a run that has not ended (overlap_policy ${policy})`,
            {
              job_id: entry.job.id,
              active: entry.state.active,
            },
          );
        }
        const skipped = this.record(entry.job, {
          id: `skipped-${iso(scheduledFor)}`,
          scheduled_for: iso(scheduledFor),
          trigger,
          status: "skipped",
          ended_at: iso(this.options.now()),
          error: `the previous run had not ended (overlap_policy ${policy})`,
        });
        // The watermark first: were the record first, a crash between the two would leave this time
        // recorded `skipped` and then, at the next start, `missed` as well.
        await this.writeState(entry, advance);
        await this.options.runs.append([skipped]);
        this.publish(entry.job, skipped);
        return skipped;
      }
      const queued = this.record(entry.job, {
        id: this.options.newId(),
        scheduled_for: iso(scheduledFor),
        trigger,
        status: "queued",
      });
      const marker: CronActiveRun = {
        record_id: queued.id,
        status: "queued",
        scheduled_for: queued.scheduled_for,
        trigger,
      };
      await this.writeState(entry, (s) => ({ ...advance(s), active: [...s.active, marker] }));
      await this.options.runs.append([queued]);
      this.publish(entry.job, queued);
      return queued;
    }
    return this.start(
      entry,
      { record_id: this.options.newId(), scheduled_for: iso(scheduledFor), trigger },
      advance,
    );
  }

  /** Resolves the markers a previous process left: finished runs get their record, lost ones `interrupted`. */
  async recover(entry: JobEntry): Promise<void> {
    for (const marker of entry.state.active) {
      if (marker.status !== "running") continue;
      const queueJobId = marker.queue_job_id ?? (await this.findQueueJob(marker.record_id));
      const queueJob = queueJobId ? await this.options.queue.get(queueJobId) : null;
      if (!queueJob) {
        await this.finish(entry, marker, {
          status: "interrupted",
          error: queueJobId
            ? "the gateway stopped during this run and the run queue has no record of it"
            : "the gateway stopped before the run was queued",
        });
      } else if (QUEUE_FINAL[queueJob.status]) {
        await this.finishFromQueue(entry, marker, queueJob);
      } else {
        if (!marker.queue_job_id) {
          await this.writeState(entry, (s) => ({
            ...s,
            active: s.active.map((a) =>
              a.record_id === marker.record_id ? { ...a, queue_job_id: queueJob.id } : a,
            ),
          }));
        }
        // Still queued (or being recovered by the queue): its outcome is recorded when it ends.
        this.watch(entry.job.id, marker.record_id, queueJob.id);
      }
    }
    await this.startWaiting(entry);
  }

  private async start(
    entry: JobEntry,
    run: Pick<CronActiveRun, "record_id" | "scheduled_for" | "trigger">,
    advance: (s: CronState) => CronState = (s) => s,
  ): Promise<CronRunRecord> {
    const { job } = entry;
    const marker: CronActiveRun = { ...run, status: "running", started_at: iso(this.options.now()) };
    // Durable before the run exists: a crash from here on leaves a marker for recovery, never a replay.
    await this.writeState(entry, (s) => ({
      ...advance(s),
      last_fired_at: run.trigger === "manual" ? s.last_fired_at : later(s.last_fired_at, run.scheduled_for),
      active: [...s.active.filter((a) => a.record_id !== run.record_id), marker],
    }));
    const running = this.record(job, {
      id: run.record_id,
      scheduled_for: run.scheduled_for,
      trigger: run.trigger,
      status: "running",
      started_at: marker.started_at ?? null,
    });
    await this.options.runs.append([running]);
    let queueJob: QueueJob;
    try {
      queueJob = await this.options.queue.enqueue({
        agent_id: job.agent_id,
        prompt: job.prompt,
        ...(job.workdir ? { workdir: job.workdir } : {}),
        ...(job.workspace_path ? { workspace_path: job.workspace_path } : {}),
        source: "cron",
        source_id: run.record_id,
        // A cron run is never retried by the queue: the schedule (and misfire policy) decide what runs.
        max_attempts: 1,
        metadata: {
          cron_job_id: job.id,
          scheduled_for: run.scheduled_for,
          trigger: run.trigger,
          // A job file's `channel` (Viben's and Ryvos's cron field) delivers the answer there.
          ...(typeof job.channel === "string" && job.channel ? { channel: job.channel } : {}),
        },
      });
    } catch (error) {
      const failed = await this.finish(entry, marker, { status: "failed", error: (error as Error).message });
      this.publish(job, failed);
      return failed;
    }
    await this.writeState(entry, (s) => ({
      ...s,
      active: s.active.map((a) => (a.record_id === run.record_id ? { ...a, queue_job_id: queueJob.id } : a)),
    }));
    const handed = { ...running, queue_job_id: queueJob.id };
    await this.options.runs.append([handed]);
    this.publish(job, handed);
    this.watch(job.id, run.record_id, queueJob.id);
    return handed;
  }

  /** Waits for recordings of ended runs that are under way. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.recording]);
  }

  private watch(jobId: string, recordId: string, queueJobId: string): void {
    this.options.queue.waitFor(queueJobId).then(
      (queueJob) => {
        const recording = this.withJob(jobId, async () => {
          const entry = this.options.lookup(jobId);
          const marker = entry?.state.active.find((a) => a.record_id === recordId);
          if (this.stopped || !entry || !marker) return;
          await this.finishFromQueue(entry, marker, queueJob);
          await this.startWaiting(entry);
        }).catch((error: unknown) =>
          this.options.logger.error({
            msg: "cron: recording a run failed",
            job_id: jobId,
            error: (error as Error).message,
          }),
        );
        this.recording.add(recording);
        void recording.finally(() => this.recording.delete(recording));
      },
      (error: unknown) =>
        this.options.logger.warn({
          msg: "cron: lost track of a queued run",
          job_id: jobId,
          error: (error as Error).message,
        }),
    );
  }

  /** A marker whose queue job already ended (a missed notification) must not block the overlap policy. */
  private async reconcile(entry: JobEntry): Promise<void> {
    for (const marker of entry.state.active) {
      if (marker.status !== "running" || !marker.queue_job_id) continue;
      const queueJob = await this.options.queue.get(marker.queue_job_id);
      if (!queueJob)
        await this.finish(entry, marker, {
          status: "interrupted",
          error: "the run queue has no record of this run",
        });
      else if (QUEUE_FINAL[queueJob.status]) await this.finishFromQueue(entry, marker, queueJob);
    }
  }

  /** Overlap policy `queue`: the waiting firing starts once nothing runs. */
  private async startWaiting(entry: JobEntry): Promise<void> {
    if (this.stopped || entry.state.active.some((a) => a.status === "running")) return;
    const waiting = entry.state.active.find((a) => a.status === "queued");
    if (waiting && this.options.lookup(entry.job.id) === entry) await this.start(entry, waiting);
  }

  private finishFromQueue(
    entry: JobEntry,
    marker: CronActiveRun,
    queueJob: QueueJob,
  ): Promise<CronRunRecord> {
    const attempt = queueJob.attempt_log?.at(-1);
    // The queue fails a job whose only attempt a crash cut short; for the cron record that is an interruption.
    const status =
      attempt?.status === "interrupted" ? "interrupted" : (QUEUE_FINAL[queueJob.status] ?? "interrupted");
    return this.finish(entry, marker, {
      status,
      error: queueJob.error ?? attempt?.error ?? (queueJob.status === "cancelled" ? "cancelled" : null),
      started_at: attempt?.started_at ?? queueJob.started_at ?? marker.started_at ?? null,
      ended_at: queueJob.ended_at ?? iso(this.options.now()),
      run_id: queueJob.run_id ?? attempt?.run_id ?? null,
      session_id: attempt?.session_id ?? queueJob.session_id ?? null,
      queue_job_id: queueJob.id,
    });
  }

  /** Appends the final record, then drops the marker: a crash in between re-records the same id, harmlessly. */
  private async finish(
    entry: JobEntry,
    marker: CronActiveRun,
    outcome: Partial<CronRunRecord> & { status: CronRunStatus },
  ): Promise<CronRunRecord> {
    const final = this.record(entry.job, {
      id: marker.record_id,
      scheduled_for: marker.scheduled_for,
      trigger: marker.trigger,
      started_at: marker.started_at ?? null,
      queue_job_id: marker.queue_job_id ?? null,
      ended_at: iso(this.options.now()),
      ...outcome,
    });
    await this.options.runs.append([final]);
    await this.writeState(entry, (s) => ({
      ...s,
      active: s.active.filter((a) => a.record_id !== marker.record_id),
    }));
    return final;
  }

  private async findQueueJob(recordId: string): Promise<string | undefined> {
    const jobs = await this.options.queue.list({ source: "cron", limit: 10_000 });
    return jobs.find((j) => j.source_id === recordId)?.id;
  }

  private async writeState(entry: JobEntry, mutate: (s: CronState) => CronState): Promise<void> {
    entry.state = await this.options.states.update(entry.job.id, mutate);
    this.options.stateWritten?.(entry);
  }

  private record(
    job: CronJob,
    fields: Partial<CronRunRecord> & Pick<CronRunRecord, "id" | "scheduled_for" | "trigger" | "status">,
  ): CronRunRecord {
    return {
      job_id: job.id,
      started_at: null,
      ended_at: null,
      session_id: null,
      run_id: null,
      queue_job_id: null,
      error: null,
      ...fields,
    };
  }

  private publish(job: CronJob, record: CronRunRecord): void {
    this.options.events?.publish({
      type: "cron_fired",
      agent_id: job.agent_id,
      job_id: job.id,
      job_name: job.name,
      cron_run_id: record.id,
      scheduled_for: record.scheduled_for,
      trigger: record.trigger,
      status: record.status,
      ...(record.queue_job_id ? { queue_job_id: record.queue_job_id } : {}),
      ...(record.error ? { error: record.error } : {}),
    });
  }
}
