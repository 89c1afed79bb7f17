import type {
  CronJobInput,
  CronJobUpdate,
  CronJobView,
  CronSchedulePreview,
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
import { ACTIVE, DueIndex } from "./due-index.js";
import { type CronFileStamps, storeCronFileStamps } from "./job-files.js";
import { CronJobRunner, type JobEntry, watermarkOf } from "./job-runner.js";
import type { CronOccurrenceClaims } from "./occurrence-claims.js";
import { type CompiledSchedule, compileSchedule, nextTimes } from "./schedule.js";

export interface CronSchedulerOptions {
  /** The global scope: jobs in `cron/jobs/`, scheduler state in `cron/state/`, the due index `cron/index.json`. */
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
  /** Fingerprints of job and state files; by default read through storage (the Node server stats files). */
  stamps?: CronFileStamps;
  /** Multi-instance mode: each scheduled time fires on one instance only (runtime/redis/cron-claims.ts). */
  claims?: CronOccurrenceClaims;
}

export interface CronStartReport {
  jobs: number;
  /** Job files that did not parse (listed by GET /api/cron). */
  problems: number;
  /** Jobs read at start: new or changed since the index was written, due, or with runs to recover. */
  read: number;
  /**
   * Jobs left to a background pass (a first start without the due index, or many changed files): the
   * scheduler runs and the jobs already indexed are scheduled; each of these joins as it is read, and
   * one that fell due meanwhile fires then (its misfire policy applies, as at any start). API calls
   * wait for the pass. 0 when every job was read before this report.
   */
  indexing: number;
  duration_ms: number;
}

/** The timer never sleeps longer than this, so a wall-clock step is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;
/** How soon a firing that failed on storage is tried again. */
const RETRY_MS = 5_000;
/** Jobs read in parallel at start (file reads). */
const LOAD_CONCURRENCY = 64;
/** More jobs to read than this at start, and they are read after the scheduler reports ready. */
const FOREGROUND_READS = 256;
/** The background pass reads few jobs at once, a slice at a time: its memory stays flat. */
const BACKGROUND_CONCURRENCY = 8;
const BACKGROUND_SLICE = 128;
/** Index writes are gathered: a stale index only makes the next start read a few more jobs. */
const PERSIST_DELAY_MS = 2_000;
const INDEX_KEY = "cron:index.json";

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/**
 * The cron scheduler: croner computes every job's times (cron syntax, timezones, DST), one timer over a
 * heap of next times does the waiting (croner's own timers wake every 30 s each, which 10,000 jobs turn
 * into constant CPU), and the job runner fires through the durable run queue.
 *
 * Between firings a job is only a row of the due index (next due time, file fingerprints): start reads
 * `cron/index.json` and stats the job and state folders, and reads a job (YAML, zod, croner) only when
 * its files changed since the index was written, it is due, or its state lists runs to recover. A job is
 * otherwise read when it fires (then its next time is stored) or when the API asks for it, and is held in
 * memory only while it has runs that have not ended.
 */
export class CronScheduler implements CronService {
  private readonly jobs: CronJobRepository;
  private readonly states: CronStateRepository;
  private readonly runLog: CronRunLog;
  private readonly runner: CronJobRunner;
  private readonly stamps: CronFileStamps;
  /** Jobs in memory: those with runs not ended, and those an operation holds. */
  private readonly entries = new Map<string, JobEntry>();
  private readonly index = new DueIndex();
  private readonly heap = new DueHeap();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => Date;
  private zone: string | undefined;
  private problems: CronJobProblem[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private persisting: Promise<void> = Promise.resolve();
  private dirty = false;
  private running = false;
  private loading: Promise<CronStartReport> | undefined;
  /** The background pass over jobs not read before ready (see CronStartReport.indexing). */
  private indexing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: CronSchedulerOptions) {
    this.now = options.now ?? (() => new Date());
    this.zone = options.defaultTimezone;
    this.jobs = new CronJobRepository(options.scope, this.now);
    this.states = new CronStateRepository(options.scope);
    this.runLog = new CronRunLog(options.log);
    this.stamps = options.stamps ?? storeCronFileStamps(options.scope);
    this.runner = new CronJobRunner({
      states: this.states,
      runs: this.runLog,
      queue: options.queue,
      events: options.events,
      logger: options.logger,
      now: this.now,
      newId: options.newId ?? (() => crypto.randomUUID()),
      lookup: (id) => this.entries.get(id),
      stateWritten: (entry) => this.stateWritten(entry),
      claims: options.claims,
    });
  }

  /** Read on first use: the first Intl call loads ICU's timezone data (about 25 ms), which start-up need not wait for. */
  private get defaultTimezone(): string {
    this.zone ??= gatewayTimeZone();
    return this.zone;
  }

  /** Arms the index, reads what changed or is due, resolves what a crash left, and starts the timer. */
  start(): Promise<CronStartReport> {
    this.loading ??= this.load();
    return this.loading;
  }

  private async load(): Promise<CronStartReport> {
    const began = performance.now();
    const startedAt = this.now();
    const [persisted, jobStamps, stateStamps] = await Promise.all([
      this.options.scope.store.readRaw(INDEX_KEY).then(
        (text) => DueIndex.parse(text),
        () => DueIndex.parse(null),
      ),
      this.stamps.list("jobs"),
      this.stamps.list("state"),
    ]);
    const toRead: string[] = [];
    for (const [id, jobStamp] of jobStamps) {
      const row = persisted.get(id);
      const stateStamp = stateStamps.get(id) ?? 0;
      // Trusted only when neither file changed since the row was written, nothing is owed and no run is open.
      const trusted =
        row !== undefined &&
        row[1] === jobStamp &&
        row[2] === stateStamp &&
        (row[3] & ACTIVE) === 0 &&
        (row[0] === null || row[0] > startedAt.getTime());
      if (trusted) this.index.set(id, row[0] ?? Number.NaN, jobStamp, stateStamp, 0);
      else toRead.push(id);
    }
    if (persisted.size !== this.index.size || toRead.length > 0) this.dirty = true;
    const background = toRead.length > FOREGROUND_READS;
    const problems: CronJobProblem[] = [];
    if (!background) {
      await inBatches(toRead, LOAD_CONCURRENCY, (id) => this.readAtStart(id, startedAt, problems));
      this.keepProblems(problems);
    }
    const report = {
      jobs: this.index.size,
      problems: problems.length,
      read: background ? 0 : toRead.length,
      indexing: background ? toRead.length : 0,
      duration_ms: Math.round(performance.now() - began),
    };
    if (this.stopped) return report;
    this.running = true;
    for (const id of this.index.ids()) this.push(id, this.index.versionOf(id)!);
    this.arm();
    if (background) this.indexing = this.readInBackground(toRead, startedAt, began);
    else if (this.dirty) await this.persist();
    return report;
  }

  /** Reads a job at start (under its lock): recovers its runs, deals with times missed, schedules it. */
  private readAtStart(id: string, startedAt: Date, problems: CronJobProblem[]): Promise<void> {
    return this.runner.withJob(id, async () => {
      let entry: JobEntry | null;
      try {
        entry = await this.loadEntry(id);
      } catch (error) {
        problems.push({ id, path: this.jobs.pathOf(id), error: (error as Error).message });
        return;
      }
      if (!entry) return;
      this.entries.set(id, entry);
      await this.runner.recover(entry);
      await this.runner.handleDue(entry, startedAt, true);
      await this.settle(entry);
    });
  }

  /**
   * The jobs not read before ready, streamed a slice at a time (a job leaves memory once scheduled);
   * stops early at shutdown, leaving the rest to the next start (they are not in the index yet).
   */
  private async readInBackground(ids: string[], startedAt: Date, began: number): Promise<void> {
    const problems: CronJobProblem[] = [];
    try {
      for (let i = 0; i < ids.length && !this.stopped; i += BACKGROUND_SLICE) {
        await inBatches(ids.slice(i, i + BACKGROUND_SLICE), BACKGROUND_CONCURRENCY, (id) =>
          this.readAtStart(id, startedAt, problems),
        );
        await new Promise<void>((resume) => setImmediate(resume));
      }
      this.keepProblems(problems);
      this.options.logger.info({
        msg: "cron jobs indexed",
        jobs: this.index.size,
        read: ids.length,
        problems: problems.length,
        duration_ms: Math.round(performance.now() - began),
      });
      if (!this.stopped) await this.persist();
    } catch (error) {
      this.options.logger.error({ msg: "cron: reading jobs failed", error: (error as Error).message });
    }
  }

  private keepProblems(problems: CronJobProblem[]): void {
    this.problems = problems.sort((a, b) => a.id.localeCompare(b.id));
    for (const p of this.problems)
      this.options.logger.warn({ msg: "cron: job file skipped", job_id: p.id, error: p.error });
  }

  /** Resolves once every job has been read at start (at once, unless a background pass runs). */
  async indexed(): Promise<void> {
    await this.ready();
  }

  /** Stops firing (first thing at shutdown); outcomes of runs that end meanwhile are still recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    await this.loading?.catch(() => undefined);
    await this.indexing;
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * After the queue has stopped (its runs ended and were reported): finishes recording, writes the due
   * index, then detaches. Runs still unrecorded keep their marker and are reconciled at the next start.
   */
  async close(): Promise<void> {
    await this.stop();
    await this.runner.drain();
    if (this.loading) await this.persist();
    this.runner.stop();
  }

  async list(): Promise<{ jobs: CronJobView[]; problems: CronJobProblem[] }> {
    await this.ready();
    // Read from disk: listing every job is the one call that parses them all, and nothing is kept after.
    const { jobs } = await this.jobs.list();
    const known = jobs.filter((job) => this.index.has(job.id));
    const views = new Array<CronJobView>(known.length);
    let next = 0;
    await inBatches(known, LOAD_CONCURRENCY, async (job) => {
      const at = next++;
      const entry = this.entries.get(job.id) ?? {
        job,
        state: await this.readState(job.id),
        ...this.compiled(job),
      };
      views[at] = this.view(entry, 1);
    });
    views.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    return { jobs: views, problems: this.problems };
  }

  async get(id: string, nextCount = 5): Promise<CronJobView> {
    await this.ready();
    return this.view(await this.peek(id), nextCount);
  }

  preview(schedule: unknown, timezone: string | undefined, count: number): CronSchedulePreview {
    const zone = timezone === undefined ? this.defaultTimezone : resolveTimeZone(timezone);
    const now = this.now();
    const compiled = this.compileChecked(schedule, zone, now);
    return {
      schedule: compiled.text,
      timezone: zone,
      next_runs: nextTimes(compiled, count, now).map((d) => d.toISOString()),
    };
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
    return this.runner.withJob(job.id, async () => {
      const entry: JobEntry = { job, state: { active: [] }, ...this.compiled(job) };
      this.entries.set(job.id, entry);
      const view = this.view(entry, 5);
      await this.settle(entry);
      return view;
    });
  }

  async update(id: string, patch: CronJobUpdate): Promise<CronJobView> {
    await this.ready();
    return this.runner.withJob(id, async () => {
      const entry = await this.hold(id);
      try {
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
        return this.view(entry, 5);
      } finally {
        await this.settle(entry);
      }
    });
  }

  /**
   * Another instance created, changed or removed this job (multi-instance mode, where the job files are
   * shared): read it again and schedule it, or forget it. Runs already open here keep their entry.
   */
  async refresh(id: string): Promise<void> {
    await this.ready();
    if (this.stopped) return;
    await this.runner.withJob(id, async () => {
      let loaded: JobEntry | null;
      try {
        loaded = await this.loadEntry(id);
      } catch (error) {
        this.options.logger.warn({
          msg: "cron: job file skipped",
          job_id: id,
          error: (error as Error).message,
        });
        return;
      }
      const held = this.entries.get(id);
      if (!loaded) {
        if (!held) this.entries.delete(id);
        this.index.delete(id);
        this.markDirty();
        return;
      }
      const entry = held ?? loaded;
      if (held)
        Object.assign(
          held,
          { job: loaded.job, problem: undefined, schedule: undefined },
          this.compiled(loaded.job),
        );
      this.entries.set(id, entry);
      await this.settle(entry);
    });
  }

  async remove(id: string): Promise<void> {
    await this.ready();
    await this.runner.withJob(id, async () => {
      await this.jobs.remove(id);
      this.entries.delete(id);
      this.index.delete(id);
      this.markDirty();
      await this.states.remove(id);
      await this.runLog.remove(id);
    });
  }

  async runNow(id: string): Promise<CronRunRecord> {
    await this.ready();
    return this.runner.withJob(id, async () => {
      const entry = await this.hold(id);
      try {
        return await this.runner.fire(entry, this.now(), "manual");
      } finally {
        await this.settle(entry);
      }
    });
  }

  pause(id: string): Promise<CronJobView> {
    return this.update(id, { enabled: false });
  }

  resume(id: string): Promise<CronJobView> {
    return this.update(id, { enabled: true });
  }

  async runs(id: string, limit: number): Promise<CronRunRecord[]> {
    await this.ready();
    this.known(id);
    return this.runLog.recent(id, limit);
  }

  async clearRuns(id: string): Promise<void> {
    await this.ready();
    await this.runner.withJob(id, async () => {
      this.known(id);
      await this.runLog.remove(id);
    });
  }

  /** API calls made while jobs load wait for them (the server listens before the scheduler starts). */
  private async ready(): Promise<void> {
    await this.loading?.catch(() => undefined);
    await this.indexing;
  }

  /** Jobs are those the scheduler knows (a file added by hand joins at the next start, as before). */
  private known(id: string): void {
    if (!this.index.has(id)) throw cronJobNotFound(id);
  }

  /** The job as it is now, for reading: the held entry, else read from disk and not kept. */
  private async peek(id: string): Promise<JobEntry> {
    this.known(id);
    const entry = this.entries.get(id) ?? (await this.loadEntry(id));
    if (!entry) throw cronJobNotFound(id);
    return entry;
  }

  /** The job for a change (under its lock): kept in memory until `settle` lets it go. */
  private async hold(id: string): Promise<JobEntry> {
    const entry = await this.peek(id);
    this.entries.set(id, entry);
    return entry;
  }

  private async loadEntry(id: string): Promise<JobEntry | null> {
    const job = await this.jobs.find(id);
    if (!job) return null;
    return { job, state: await this.readState(id), ...this.compiled(job) };
  }

  private async readState(id: string): Promise<CronState> {
    try {
      return await this.states.get(id);
    } catch (error) {
      // A damaged state file must not replay history: start from now, and say so.
      this.options.logger.warn({
        msg: "cron: state unreadable, starting from now",
        job_id: id,
        error: (error as Error).message,
      });
      return { handled_until: this.now().toISOString(), active: [] };
    }
  }

  /**
   * After a job was read, fired or changed (under its lock): stores its next due time and the
   * fingerprints of its files in the index, puts the time on the heap, and lets the job go from memory
   * unless it has runs that have not ended.
   */
  private async settle(entry: JobEntry): Promise<void> {
    const id = entry.job.id;
    if (this.entries.get(id) !== entry) return;
    const [jobStamp, stateStamp] = await Promise.all([
      this.stamps.stamp("jobs", id),
      this.stamps.stamp("state", id),
    ]);
    if (this.entries.get(id) !== entry) return;
    const next = entry.job.enabled && entry.schedule ? entry.schedule.next(watermarkOf(entry)) : null;
    const active = entry.state.active.length > 0;
    const version = this.index.set(
      id,
      next ? next.getTime() : Number.NaN,
      jobStamp,
      stateStamp,
      active ? ACTIVE : 0,
    );
    if (!active) this.entries.delete(id);
    this.markDirty();
    this.push(id, version);
    this.arm();
  }

  /** A state write outside `settle` (a run ended): the index follows, and an idle job leaves memory. */
  private stateWritten(entry: JobEntry): void {
    const id = entry.job.id;
    if (!this.index.has(id)) return;
    void this.stamps.stamp("state", id).then(
      (stamp) => {
        if (!this.index.has(id)) return;
        this.index.setState(id, stamp, entry.state.active.length > 0 ? ACTIVE : 0);
        this.markDirty();
      },
      () => undefined,
    );
    if (entry.state.active.length > 0) return;
    const evict = this.runner.withJob(id, async () => {
      if (this.entries.get(id) === entry && entry.state.active.length === 0) this.entries.delete(id);
    });
    this.inFlight.add(evict);
    void evict.finally(() => this.inFlight.delete(evict));
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

  /** Puts the job's stored next time on the heap (times that fell due meanwhile are caught by its watermark). */
  private push(id: string, version: number): void {
    const at = this.index.dueOf(id);
    if (!this.running || Number.isNaN(at)) return;
    this.heap.push({ jobId: id, at, version });
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.persistTimer || !this.running) return;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = undefined;
      void this.persist();
    }, PERSIST_DELAY_MS);
    this.persistTimer.unref?.();
  }

  /** Writes the index atomically (one write at a time; a failed write is tried again at the next change). */
  private persist(): Promise<void> {
    this.persisting = this.persisting.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        await this.options.scope.store.writeRaw(INDEX_KEY, this.index.serialise());
      } catch (error) {
        this.dirty = true;
        this.options.logger.warn({ msg: "cron: due index not written", error: (error as Error).message });
      }
    });
    return this.persisting;
  }

  private isCurrent(due: DueEntry): boolean {
    return this.index.versionOf(due.jobId) === due.version;
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
      const work = this.runner.withJob(due.jobId, () => this.fireDue(due));
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
    this.arm();
  }

  /** A heap entry fell due (under the job's lock): read the job, deal with its times, store the next. */
  private async fireDue(due: DueEntry): Promise<void> {
    const id = due.jobId;
    if (!this.running || !this.isCurrent(due)) return;
    let entry: JobEntry | null | undefined = this.entries.get(id);
    if (!entry) {
      try {
        entry = await this.loadEntry(id);
      } catch (error) {
        // Edited by hand into something that does not parse: not scheduled until the next start reports it.
        this.options.logger.warn({
          msg: "cron: job file skipped",
          job_id: id,
          error: (error as Error).message,
        });
        this.index.set(id, Number.NaN, 0, 0, 0);
        this.markDirty();
        return;
      }
      if (!entry) {
        this.index.delete(id);
        this.markDirty();
        return;
      }
      this.entries.set(id, entry);
    }
    try {
      await this.runner.handleDue(entry, this.now(), false);
      await this.settle(entry);
    } catch (error) {
      // Storage trouble: try the same time again a little later rather than spinning.
      this.options.logger.error({ msg: "cron: firing failed", job_id: id, error: (error as Error).message });
      const version = this.index.bump(id);
      if (version === undefined) return;
      this.heap.push({ jobId: id, at: this.now().getTime() + RETRY_MS, version });
      this.arm();
    }
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
