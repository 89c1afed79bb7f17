import type { QueueJob, QueueJobInput, QueueLaneReport } from "../../handlers/capabilities/queue.js";
import type { RunHandle } from "../../handlers/capabilities/runs.js";
import type { AppendOptions } from "../../storage/append-log.js";
import type { QueueJournal } from "../../storage/queue-journal.js";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import { type QueueClock, systemQueueClock } from "./clock.js";
import { insertOrdered, removeItem } from "./job-order.js";
import {
  type AttemptResult,
  beginAttempt,
  currentAttempt,
  finishJob,
  revertAttempt,
  settleAttempt,
} from "./job-transitions.js";
import {
  errorMessage,
  jobFinished,
  jobNotFound,
  jobRecord,
  jobView,
  newQueueJob,
  queueJobEvent,
  shuttingDown,
} from "./job-view.js";
import { LaneCounter, type LaneKeys, laneReport } from "./lanes.js";
import type { ManagedQueue, QueueParts } from "./managed-queue.js";
import {
  type ListFilter,
  listJobs,
  QueueSettingsReader,
  type QueueState,
  QueueWork,
  SESSION_RECHECK_MS,
  stopLiveRuns,
  WakeTimer,
} from "./queue-parts.js";
import { recoverJobs } from "./recovery.js";

export interface DurableRunQueueOptions extends QueueParts {
  journal: QueueJournal;
}

interface Entry {
  seq: number;
  job: QueueJob;
  /** The session of the run in progress, once it started (what a cancel stops). */
  liveSession?: string;
  /** The run's processes are gone and its lanes free; its records are still being written. */
  laneFreed?: boolean;
}

/** How long before a launch whose journal write failed is tried again. */
const WRITE_RETRY_MS = 1000;

/**
 * The durable run queue. Every transition is written to the journal (a full snapshot of the job); the
 * `running` line is on disk before the run is started, so after a crash no job is lost and none runs
 * again unnoticed (see recovery.ts). Scheduling passes pick queued jobs in run order (priority, then
 * FIFO), skipping those whose backoff has not elapsed, whose lane (agent, workspace) is full, or whose
 * session is busy; a job blocked by its lane does not hold back jobs of other lanes.
 *
 * Lifecycle: `open()` loads, recovers and compacts the journal; `start()` begins running jobs (after the
 * server is up); `stop()` stops scheduling and interrupts running jobs (recorded like a crash, so the
 * retry policy applies at the next start) before the run manager shuts down.
 */
export class DurableRunQueue implements ManagedQueue {
  private readonly jobs = new Map<string, Entry>();
  /** Queued jobs in run order. */
  private readonly queued: Entry[] = [];
  private readonly running = new Set<Entry>();
  private readonly lanesInUse = new LaneCounter();
  private readonly sessionsInUse = new Set<string>();
  private readonly waiters = new Map<string, ((job: QueueJob) => void)[]>();
  private readonly listeners = new Set<(job: QueueJob) => void>();
  private readonly work: QueueWork;
  private readonly clock: QueueClock;
  private readonly settings: QueueSettingsReader;
  private readonly wake: WakeTimer;
  private state: QueueState = "new";
  private opened: Promise<void> | undefined;
  private rev = 0;
  private seq = 0;
  private pumpWanted = false;
  private pumping: Promise<void> | undefined;

  constructor(private readonly options: DurableRunQueueOptions) {
    this.clock = options.clock ?? systemQueueClock;
    this.work = new QueueWork(options.logger);
    this.settings = new QueueSettingsReader(options.settings, options.logger);
    this.wake = new WakeTimer(this.clock, () => this.schedule());
  }

  /** Loads the journal, settles jobs a crash left running, and compacts. Idempotent. */
  open(): Promise<void> {
    this.opened ??= this.load();
    return this.opened;
  }

  /** Starts running jobs. */
  start(): void {
    if (this.state !== "open") return;
    this.state = "started";
    this.schedule();
  }

  /**
   * Stops scheduling and interrupts every running job, waiting until each is recorded. Runs are stopped
   * through the run service; their attempts end `interrupted` and follow the retry policy.
   */
  async stop(): Promise<void> {
    if (this.state === "stopped" || this.state === "stopping") return this.whenIdle();
    this.state = "stopping";
    this.wake.cancel();
    await stopLiveRuns(
      this.options.runs,
      () => [...this.running].map((entry) => entry.liveSession),
      () => this.whenIdle(),
    );
    this.state = "stopped";
  }

  async enqueue(input: QueueJobInput): Promise<QueueJob> {
    const job = newQueueJob(input, this.options.newId?.() ?? crypto.randomUUID(), this.clock.now());
    await this.open();
    if (this.state === "stopping" || this.state === "stopped") throw shuttingDown();
    const entry: Entry = { seq: ++this.seq, job };
    await this.persist([entry]);
    this.jobs.set(job.id, entry);
    insertOrdered(this.queued, entry);
    this.changed(entry);
    this.schedule();
    return this.view(entry);
  }

  async get(id: string): Promise<QueueJob | null> {
    await this.open();
    const entry = this.jobs.get(id);
    return entry ? this.view(entry) : null;
  }

  /** Running jobs first (oldest start first), then queued ones in run order, then finished ones, newest first. */
  async list(filter: ListFilter = {}): Promise<QueueJob[]> {
    await this.open();
    const positions = new Map(this.queued.map((entry, index) => [entry, index + 1]));
    const listed = listJobs([...this.jobs.values()], filter, (entry) => positions.get(entry));
    return listed.map((entry) => this.view(entry, positions.get(entry)));
  }

  async cancel(id: string): Promise<QueueJob> {
    await this.open();
    const entry = this.jobs.get(id);
    if (!entry) throw jobNotFound(id);
    const { job } = entry;
    if (job.status === "cancelled") return this.view(entry);
    if (isFinalQueueStatus(job.status)) throw jobFinished(job);
    if (job.status === "queued") {
      removeItem(this.queued, entry);
      finishJob(job, "cancelled", this.clock.now(), "cancelled before it ran");
      await this.persist([entry]).catch((error) => this.writeFailed(error));
      this.changed(entry);
      this.schedule();
      return this.view(entry);
    }
    if (!job.cancel_requested) {
      job.cancel_requested = true;
      await this.persist([entry]).catch((error) => this.writeFailed(error));
      this.changed(entry);
    }
    // A run still being prepared sees the flag before it starts; one under way is stopped.
    if (entry.liveSession) await this.options.runs.stop(entry.liveSession);
    return this.waitFor(id);
  }

  async waitFor(id: string): Promise<QueueJob> {
    await this.open();
    const entry = this.jobs.get(id);
    if (!entry) throw jobNotFound(id);
    if (isFinalQueueStatus(entry.job.status)) return this.view(entry);
    return new Promise<QueueJob>((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  async lanes(): Promise<QueueLaneReport> {
    await this.open();
    const settings = await this.readSettings();
    return laneReport(
      [...this.running].filter((entry) => !entry.laneFreed).map((entry) => this.laneKeys(entry.job)),
      this.queued.map((entry) => this.laneKeys(entry.job)),
      settings,
    );
  }

  /** Calls `listener` with a copy of a job after each of its transitions; returns the unsubscribe. */
  onChange(listener: (job: QueueJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Resolves once no scheduling pass, launch or completion is in progress and the journal is written
   * (tests and benches wait on it instead of sleeping; runs still going are not waited for).
   */
  async whenIdle(): Promise<void> {
    for (;;) {
      // Let callbacks of runs that just ended register their work first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.work.busy || this.pumping) {
        await Promise.allSettled([this.work.settled(), this.pumping]);
        continue;
      }
      await this.options.journal.flushed();
      if (!this.work.busy && !this.pumping) return;
    }
  }

  get counts(): { queued: number; running: number; total: number } {
    return { queued: this.queued.length, running: this.running.size, total: this.jobs.size };
  }

  private async load(): Promise<void> {
    const loaded = await this.options.journal.load();
    const settings = await this.readSettings();
    const recovered = await recoverJobs(loaded.entries, {
      now: this.clock.now(),
      settings,
      runCompleted: this.options.runCompleted,
    });
    this.seq = loaded.lastSeq;
    this.rev = loaded.lastRev;
    for (const { seq, job } of recovered.jobs) {
      const entry: Entry = { seq, job };
      this.jobs.set(job.id, entry);
      if (job.status === "queued") insertOrdered(this.queued, entry);
    }
    for (const note of recovered.notes) {
      this.options.logger.warn({ msg: "queue job found running at start", job_id: note.id, ...note });
    }
    if (loaded.skipped > 0) {
      this.options.logger.warn({ msg: "queue journal lines skipped", count: loaded.skipped });
    }
    await this.options.journal.compact([...this.jobs.values()].map((entry) => this.snapshot(entry)));
    this.state = "open";
    // Listeners (the task sync) hear of the jobs settled here; one trimmed away (retain_finished: 0) is gone.
    for (const note of recovered.notes) {
      const entry = this.jobs.get(note.id);
      if (entry) this.changed(entry);
    }
  }

  /** Asks for a scheduling pass; passes never overlap, and one asked for during a pass runs after it. */
  private schedule(): void {
    if (this.state !== "started") return;
    this.pumpWanted = true;
    if (this.pumping) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      // Asked for between the pass's last check and now: run another.
      if (this.pumpWanted) this.schedule();
    });
  }

  private async pump(): Promise<void> {
    while (this.pumpWanted && this.state === "started") {
      this.pumpWanted = false;
      const settings = await this.readSettings();
      const now = this.clock.now();
      const launches: Entry[] = [];
      let wakeAt: number | undefined;
      // A copy: claiming a job takes it out of `queued` while the pass goes on.
      for (const entry of [...this.queued]) {
        if (this.lanesInUse.running >= settings.concurrency) break;
        const { job } = entry;
        const notBefore = job.not_before ? Date.parse(job.not_before) : undefined;
        if (notBefore !== undefined && notBefore > now) {
          wakeAt = Math.min(wakeAt ?? notBefore, notBefore);
          continue;
        }
        const keys = this.laneKeys(job);
        if (!this.lanesInUse.fits(keys, settings)) continue;
        if (
          job.session_id &&
          (this.sessionsInUse.has(job.session_id) || this.options.runs.isRunning(job.session_id))
        ) {
          wakeAt = Math.min(wakeAt ?? now + SESSION_RECHECK_MS, now + SESSION_RECHECK_MS);
          continue;
        }
        this.claim(entry);
        launches.push(entry);
      }
      if (launches.length > 0) await this.launch(launches, now);
      this.wakeAt(wakeAt);
    }
  }

  /** Takes a job out of the queue and counts it in its lanes (before any await, so a pass sees it). */
  private claim(entry: Entry): void {
    removeItem(this.queued, entry);
    this.running.add(entry);
    this.lanesInUse.add(this.laneKeys(entry.job));
    if (entry.job.session_id) this.sessionsInUse.add(entry.job.session_id);
  }

  private release(entry: Entry): void {
    if (!this.running.delete(entry)) return;
    if (!entry.laneFreed) this.lanesInUse.remove(this.laneKeys(entry.job));
    entry.laneFreed = undefined;
    if (entry.job.session_id) this.sessionsInUse.delete(entry.job.session_id);
    if (entry.liveSession) this.sessionsInUse.delete(entry.liveSession);
    entry.liveSession = undefined;
  }

  /**
   * Records the attempts as running and starts each run. The runs are prepared (agent, session) while the
   * line is written; a process starts only once it is in the journal file (RunRequest.ready), so a crash of
   * the gateway never leaves a run the journal does not know of. The line reaches the disk within a second
   * (AppendOptions.durable: false), not before the run starts: a power loss in that second may run the job
   * again, as with Redis' `appendfsync everysec`; an accepted job's line is fsync'd before its 202.
   */
  private async launch(entries: Entry[], now: number): Promise<void> {
    for (const entry of entries) beginAttempt(entry.job, now);
    const written = this.persist(entries, { durable: false });
    const ok = written.then(
      () => true,
      (error: unknown) => {
        this.writeFailed(error);
        this.wakeAt(this.clock.now() + WRITE_RETRY_MS);
        return false;
      },
    );
    for (const entry of entries) this.track(this.begin(entry, written, ok));
    if (!(await ok)) return;
    for (const entry of entries)
      if (this.running.has(entry) && entry.job.status === "running") this.changed(entry);
  }

  /** Puts a claimed job back without charging the attempt (nothing was started). */
  private requeue(entry: Entry): void {
    this.release(entry);
    revertAttempt(entry.job);
    insertOrdered(this.queued, entry);
  }

  private async begin(entry: Entry, written: Promise<void>, ok: Promise<boolean>): Promise<void> {
    const { job } = entry;
    let handle: RunHandle;
    try {
      const request = await this.options.prepare(this.view(entry));
      if (job.cancel_requested) return await this.complete(entry, { cancelled: true });
      if (this.state !== "started") {
        // The gateway began stopping while this job was being prepared: nothing ran, so no attempt is spent.
        this.requeue(entry);
        await this.persist([entry]).catch((error) => this.writeFailed(error));
        return;
      }
      handle = await this.options.runs.start({ ...request, ready: written });
    } catch (error) {
      // Nothing was started if the attempt's line did not reach the disk: the job goes back uncharged.
      if (!(await ok)) return this.requeue(entry);
      return await this.complete(entry, { error });
    }
    entry.liveSession = handle.sessionId;
    this.sessionsInUse.add(handle.sessionId);
    const attempt = currentAttempt(job);
    if (attempt)
      Object.assign(attempt, { run_id: handle.runId, session_id: handle.sessionId, pid: handle.pid });
    job.run_id = handle.runId;
    // Retries continue the same conversation: the agent sees what its failed attempt did.
    job.session_id ??= handle.sessionId;
    // The lanes are free once the run's processes are gone: the next job starts while this one's records
    // are written. Its session stays taken until the job is settled.
    void handle.ended?.then(() => this.freeLanes(entry));
    handle.done.then(
      (outcome) => this.track(this.complete(entry, { outcome })),
      (error: unknown) => this.track(this.complete(entry, { error })),
    );
    // Not flushed at once: without it, recovery finds the run by the session the job names (runCompleted).
    await this.persist([entry], { durable: false }).catch((error) => this.writeFailed(error));
    // A fast run may already be over (and reported); only a run still going is announced.
    if (this.running.has(entry)) this.changed(entry);
    if (job.cancel_requested) await this.options.runs.stop(handle.sessionId).catch(() => false);
  }

  /** Ends an attempt (see settleAttempt) and lets the next job start. */
  private async complete(entry: Entry, result: AttemptResult): Promise<void> {
    if (!this.running.has(entry)) return;
    const { job } = entry;
    this.release(entry);
    settleAttempt(job, result, {
      now: this.clock.now(),
      settings: this.settings.current,
      stopping: this.state !== "started",
    });
    if (job.status === "queued") insertOrdered(this.queued, entry);
    // Flushed within a second, not before the next job starts: the journal keeps lines in order, and a
    // crash (or power loss) before the flush is caught at restart by `runCompleted` (the session, written
    // durably, knows the run ended).
    const written = this.persist([entry], { durable: false });
    this.changed(entry);
    this.schedule();
    await written.catch((error) => this.writeFailed(error));
  }

  private freeLanes(entry: Entry): void {
    if (!this.running.has(entry) || entry.laneFreed) return;
    entry.laneFreed = true;
    this.lanesInUse.remove(this.laneKeys(entry.job));
    this.schedule();
  }

  private changed(entry: Entry): void {
    const view = this.view(entry);
    if (isFinalQueueStatus(view.status)) {
      const waiting = this.waiters.get(view.id);
      this.waiters.delete(view.id);
      for (const resolve of waiting ?? []) resolve(view);
    }
    for (const listener of this.listeners) {
      try {
        listener(view);
      } catch (error) {
        this.options.logger.error({ msg: "queue listener failed", error: errorMessage(error) });
      }
    }
    this.options.events?.publish(queueJobEvent(view));
  }

  private persist(entries: Entry[], options?: AppendOptions): Promise<void> {
    return this.options.journal.append(
      entries.map((entry) => this.snapshot(entry)),
      options,
    );
  }

  private snapshot(entry: Entry) {
    // A copy taken now: the journal serialises later, after further changes.
    return { rev: ++this.rev, seq: entry.seq, job: jobRecord(entry.job) };
  }

  private view(entry: Entry, position?: number): QueueJob {
    const place = entry.job.status === "queued" ? (position ?? this.queued.indexOf(entry) + 1) : undefined;
    return jobView(entry.job, place, this.clock.now());
  }

  private laneKeys(job: QueueJob): LaneKeys {
    return { agent: job.agent_id, workspace: job.workspace_path ?? this.options.home };
  }

  private readSettings(): Promise<QueueSettings> {
    return this.settings.read();
  }

  /** Arms the one timer for the earliest moment a skipped job may become runnable. */
  private wakeAt(at: number | undefined): void {
    if (this.state === "started") this.wake.at(at);
  }

  private track(work: Promise<unknown>): void {
    this.work.track(work);
  }

  private writeFailed(error: unknown): void {
    this.options.logger.error({ msg: "queue journal write failed", error: errorMessage(error) });
  }
}
