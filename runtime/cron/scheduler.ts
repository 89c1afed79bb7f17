import type {
  CronJobInput,
  CronJobUpdate,
  CronJobView,
  CronService,
} from "../../handlers/capabilities/cron.js";
import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunQueue } from "../../handlers/capabilities/queue.js";
import type { AppendLog } from "../../storage/append-log.js";
import {
  type CronJob,
  type CronJobProblem,
  CronJobRepository,
  cronJobNotFound,
} from "../../storage/cron-jobs.js";
import { CronRunLog, type CronRunRecord } from "../../storage/cron-runs.js";
import { gatewayTimeZone, resolveTimeZone } from "../../storage/cron-schedule.js";
import { type CronState, CronStateRepository } from "../../storage/cron-state.js";
import { invalid } from "../../storage/errors.js";
import type { Scope } from "../../storage/scopes.js";
import { type DueEntry, DueHeap } from "./due-heap.js";
import { CronJobRunner, type JobEntry, watermarkOf } from "./job-runner.js";
import { type CompiledSchedule, compileSchedule, nextTimes } from "./schedule.js";

export interface CronSchedulerOptions {
  /** The global scope: jobs in `cron/jobs/`, scheduler state in `cron/state/`. */
  scope: Scope;
  /** Run history logs (`cron/runs/<id>.jsonl`). */
  log: AppendLog;
  queue: RunQueue;
  events?: EventBus;
  logger: Logger;
  now?: () => Date;
  newId?: () => string;
  /** For jobs created without one; the gateway's own (Intl) by default. */
  defaultTimezone?: string;
}

export interface CronStartReport {
  jobs: number;
  /** Job files that did not parse (listed by GET /api/cron). */
  problems: number;
  duration_ms: number;
}

/** The timer never sleeps longer than this, so a wall-clock step is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;
/** How soon a firing that failed on storage is tried again. */
const RETRY_MS = 5_000;
/** Jobs loaded in parallel at start (file reads). */
const LOAD_CONCURRENCY = 64;

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/**
 * The cron scheduler: croner computes every job's times (cron syntax, timezones, DST), one timer over a
 * heap of next times does the waiting (croner's own timers wake every 30 s each, which 10,000 jobs turn
 * into constant CPU), and the job runner fires through the durable run queue. Jobs are rebuilt from disk
 * at start, after crash markers are resolved and missed times dealt with by each job's misfire policy.
 */
export class CronScheduler implements CronService {
  private readonly jobs: CronJobRepository;
  private readonly states: CronStateRepository;
  private readonly runLog: CronRunLog;
  private readonly runner: CronJobRunner;
  private readonly entries = new Map<string, JobEntry>();
  private readonly heap = new DueHeap();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => Date;
  private readonly defaultTimezone: string;
  private problems: CronJobProblem[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private loading: Promise<CronStartReport> | undefined;
  private stopped = false;

  constructor(private readonly options: CronSchedulerOptions) {
    this.now = options.now ?? (() => new Date());
    this.defaultTimezone = options.defaultTimezone ?? gatewayTimeZone();
    this.jobs = new CronJobRepository(options.scope, this.now);
    this.states = new CronStateRepository(options.scope);
    this.runLog = new CronRunLog(options.log);
    this.runner = new CronJobRunner({
      states: this.states,
      runs: this.runLog,
      queue: options.queue,
      events: options.events,
      logger: options.logger,
      now: this.now,
      newId: options.newId ?? (() => crypto.randomUUID()),
      lookup: (id) => this.entries.get(id),
    });
  }

  /** Loads every job, resolves what a crash left, applies misfire policies, and starts the timer. */
  start(): Promise<CronStartReport> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<CronStartReport> {
    const began = performance.now();
    const startedAt = this.now();
    const { jobs, problems } = await this.jobs.list();
    this.problems = problems;
    for (const p of problems)
      this.options.logger.warn({ msg: "cron: job file skipped", job_id: p.id, error: p.error });
    await inBatches(jobs, LOAD_CONCURRENCY, async (job) => {
      const entry = await this.loadEntry(job);
      this.entries.set(job.id, entry);
      await this.runner.withJob(job.id, async () => {
        await this.runner.recover(entry);
        await this.runner.handleDue(entry, startedAt, true);
      });
    });
    const report = {
      jobs: this.entries.size,
      problems: problems.length,
      duration_ms: Math.round(performance.now() - began),
    };
    if (this.stopped) return report;
    this.running = true;
    for (const entry of this.entries.values()) this.reschedule(entry);
    return report;
  }

  /** Stops firing (first thing at shutdown); outcomes of runs that end meanwhile are still recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.loading?.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * After the queue has stopped (its runs ended and were reported): finishes recording, then detaches.
   * Runs still unrecorded keep their marker and are reconciled with the queue at the next start.
   */
  async close(): Promise<void> {
    await this.stop();
    await this.runner.drain();
    this.runner.stop();
  }

  async list(): Promise<{ jobs: CronJobView[]; problems: CronJobProblem[] }> {
    await this.ready();
    const jobs = [...this.entries.values()]
      .sort((a, b) => a.job.created_at.localeCompare(b.job.created_at) || a.job.id.localeCompare(b.job.id))
      .map((e) => this.view(e, 1));
    return { jobs, problems: this.problems };
  }

  async get(id: string, nextCount = 5): Promise<CronJobView> {
    await this.ready();
    return this.view(this.entry(id), nextCount);
  }

  async create(input: CronJobInput, extra: Record<string, unknown> = {}): Promise<CronJobView> {
    await this.ready();
    const timezone = input.timezone === undefined ? this.defaultTimezone : resolveTimeZone(input.timezone);
    const schedule = this.compileChecked(input.schedule, timezone, this.now());
    const job = await this.jobs.create({
      // Kept as they are; the known fields below always win.
      ...extra,
      ...(input.id === undefined ? {} : { id: input.id }),
      name: input.name,
      schedule: schedule.text,
      timezone,
      agent_id: input.agent_id,
      prompt: input.prompt,
      ...(input.workdir ? { workdir: input.workdir } : {}),
      ...(input.workspace_path ? { workspace_path: input.workspace_path } : {}),
      enabled: input.enabled ?? true,
      misfire_policy: input.misfire_policy ?? "skip",
      overlap_policy: input.overlap_policy ?? "skip",
    });
    const entry: JobEntry = { job, state: { active: [] }, version: 0, ...this.compiled(job) };
    this.entries.set(job.id, entry);
    this.reschedule(entry);
    return this.view(entry, 5);
  }

  async update(id: string, patch: CronJobUpdate): Promise<CronJobView> {
    await this.ready();
    return this.runner.withJob(id, async () => {
      const entry = this.entry(id);
      const changes: Record<string, unknown> = { ...patch };
      for (const field of [
        "name",
        "schedule",
        "timezone",
        "agent_id",
        "prompt",
        "enabled",
        "misfire_policy",
        "overlap_policy",
      ]) {
        if (changes[field] === null) throw invalid(field, "cannot be removed");
      }
      const timezone = patch.timezone ? resolveTimeZone(patch.timezone) : entry.job.timezone;
      if (patch.timezone) changes.timezone = timezone;
      const retimed =
        patch.schedule !== undefined ||
        patch.timezone !== undefined ||
        (patch.enabled === true && !entry.job.enabled);
      if (retimed) {
        const compiled = this.compileChecked(
          patch.schedule ?? entry.job.schedule,
          timezone,
          new Date(entry.job.created_at),
        );
        if (patch.schedule !== undefined) changes.schedule = compiled.text;
      }
      const job = await this.jobs.update(id, changes);
      // Times before a new schedule, or while paused, are not misfires: the watermark moves to now.
      if (retimed && job.enabled) await this.setWatermark(entry, this.now());
      Object.assign(entry, { job, problem: undefined, schedule: undefined }, this.compiled(job));
      this.reschedule(entry);
      return this.view(entry, 5);
    });
  }

  async remove(id: string): Promise<void> {
    await this.ready();
    await this.runner.withJob(id, async () => {
      const entry = this.entries.get(id);
      await this.jobs.remove(id);
      this.entries.delete(id);
      if (entry) entry.version++;
      await this.states.remove(id);
      await this.runLog.remove(id);
    });
  }

  async runNow(id: string): Promise<CronRunRecord> {
    await this.ready();
    return this.runner.withJob(id, () => this.runner.fire(this.entry(id), this.now(), "manual"));
  }

  pause(id: string): Promise<CronJobView> {
    return this.update(id, { enabled: false });
  }

  resume(id: string): Promise<CronJobView> {
    return this.update(id, { enabled: true });
  }

  async runs(id: string, limit: number): Promise<CronRunRecord[]> {
    await this.ready();
    this.entry(id);
    return this.runLog.recent(id, limit);
  }

  async clearRuns(id: string): Promise<void> {
    await this.ready();
    await this.runner.withJob(id, async () => {
      this.entry(id);
      await this.runLog.remove(id);
    });
  }

  /** API calls made while jobs load wait for them (the server listens before the scheduler starts). */
  private async ready(): Promise<void> {
    await this.loading?.catch(() => undefined);
  }

  private entry(id: string): JobEntry {
    const entry = this.entries.get(id);
    if (!entry) throw cronJobNotFound(id);
    return entry;
  }

  private async loadEntry(job: CronJob): Promise<JobEntry> {
    let state: CronState;
    try {
      state = await this.states.get(job.id);
    } catch (error) {
      // A damaged state file must not replay history: start from now, and say so.
      this.options.logger.warn({
        msg: "cron: state unreadable, starting from now",
        job_id: job.id,
        error: (error as Error).message,
      });
      state = { handled_until: this.now().toISOString(), active: [] };
    }
    return { job, state, version: 0, ...this.compiled(job) };
  }

  private compiled(job: CronJob): Pick<JobEntry, "schedule" | "problem"> {
    try {
      return { schedule: compileSchedule(job.schedule, job.timezone, new Date(job.created_at)) };
    } catch (error) {
      return { problem: (error as Error).message };
    }
  }

  /** Validates a schedule for a job being written: it must compile and still have a time to come. */
  private compileChecked(schedule: unknown, timezone: string, anchor: Date): CompiledSchedule {
    const compiled = compileSchedule(schedule, timezone, anchor);
    if (!compiled.next(later(anchor, this.now()))) {
      throw invalid("schedule", `'${compiled.text}' has no run time after now (in ${timezone})`);
    }
    return compiled;
  }

  private async setWatermark(entry: JobEntry, at: Date): Promise<void> {
    entry.state = await this.states.update(entry.job.id, (s) => ({ ...s, handled_until: at.toISOString() }));
  }

  private view(entry: JobEntry, nextCount: number): CronJobView {
    const from = later(this.now(), watermarkOf(entry));
    const next = entry.job.enabled && entry.schedule ? nextTimes(entry.schedule, nextCount, from) : [];
    return {
      ...entry.job,
      next_runs: next.map((d) => d.toISOString()),
      last_fired_at: entry.state.last_fired_at ?? null,
      active_runs: entry.state.active.length,
      ...(entry.problem ? { error: entry.problem } : {}),
    };
  }

  /** Puts the job's next time on the heap (after its watermark, so a time that fell due meanwhile is not lost). */
  private reschedule(entry: JobEntry): void {
    entry.version++;
    if (!this.running || !entry.job.enabled || !entry.schedule) return;
    const next = entry.schedule.next(watermarkOf(entry));
    if (next) this.heap.push({ jobId: entry.job.id, at: next.getTime(), version: entry.version });
    this.arm();
  }

  private isCurrent(due: DueEntry): boolean {
    return this.entries.get(due.jobId)?.version === due.version;
  }

  private arm(): void {
    while (this.heap.peek() && !this.isCurrent(this.heap.peek()!)) this.heap.pop();
    const top = this.heap.peek();
    if (!this.running || !top) return;
    if (this.timer && this.timerAt <= top.at) return;
    if (this.timer) clearTimeout(this.timer);
    const delay = Math.min(Math.max(top.at - this.now().getTime(), 0), MAX_SLEEP_MS);
    this.timerAt = this.now().getTime() + delay;
    this.timer = setTimeout(() => this.onTimer(), delay);
    // The HTTP server keeps the gateway alive; a lone scheduler (tests, benches) must not.
    this.timer.unref?.();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now().getTime();
    while (this.heap.peek() && this.heap.peek()!.at <= now) {
      const due = this.heap.pop()!;
      if (!this.isCurrent(due)) continue;
      const work = this.runner.withJob(due.jobId, async () => {
        const entry = this.entries.get(due.jobId);
        if (!entry || entry.version !== due.version || !this.running) return;
        try {
          await this.runner.handleDue(entry, this.now(), false);
          this.reschedule(entry);
        } catch (error) {
          // Storage trouble: try the same time again a little later rather than spinning.
          this.options.logger.error({
            msg: "cron: firing failed",
            job_id: due.jobId,
            error: (error as Error).message,
          });
          entry.version++;
          this.heap.push({ jobId: due.jobId, at: this.now().getTime() + RETRY_MS, version: entry.version });
          this.arm();
        }
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    this.arm();
  }
}

/** Runs `work` over the items, at most `size` at a time. */
async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
