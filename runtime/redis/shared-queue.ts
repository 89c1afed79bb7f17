import type {
  QueueJob,
  QueueJobInput,
  QueueJobStatus,
  QueueLaneReport,
} from "../../handlers/capabilities/queue.js";
import type { RunHandle } from "../../handlers/capabilities/runs.js";
import { isFinalQueueStatus } from "../../storage/queue-schemas.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import { type QueueClock, systemQueueClock } from "../queue/clock.js";
import {
  type AttemptResult,
  beginAttempt,
  currentAttempt,
  finishJob,
  revertAttempt,
  settleAttempt,
} from "../queue/job-transitions.js";
import {
  errorMessage,
  jobFinished,
  jobNotFound,
  jobView,
  newQueueJob,
  queueJobEvent,
  shuttingDown,
} from "../queue/job-view.js";
import { laneReport } from "../queue/lanes.js";
import type { ManagedQueue, QueueParts } from "../queue/managed-queue.js";
import {
  type ListFilter,
  listJobs,
  QueueSettingsReader,
  type QueueState,
  QueueWork,
  SESSION_RECHECK_MS,
  stopLiveRuns,
  WakeTimer,
} from "../queue/queue-parts.js";
import { settleInterrupted } from "../queue/recovery.js";
import type { MultiInstance } from "./multi-instance.js";
import { type JobEnvelope, type QueueStore, redisQueueStore, type SaveKind } from "./queue-store.js";

export interface SharedRunQueueOptions extends QueueParts {
  multi: MultiInstance;
  /** How often waiting jobs are looked at even when no change was announced (a missed message, a backoff). */
  pollMs?: number;
}

/** A job this instance runs. */
interface Local {
  envelope: JobEnvelope;
  liveSession?: string;
}

const DEFAULT_POLL_MS = 1000;

/**
 * The run queue shared by every instance on one Redis (multi-instance mode). Jobs live in Redis (see
 * queue-store.ts); an instance claims a job in one atomic script that also enforces the lanes' limits
 * across all instances, records the attempt (`running`) before starting the run, and renews a lease on
 * each job it runs. A job whose instance died (its lease expired) is taken over by any live instance and
 * settled as an interrupted attempt: retried while attempts remain, else failed, never run twice at once.
 * A cancel reaches the owning instance over pub/sub. Every save is announced on a channel: waiters on any
 * instance resolve from it, and the listeners (task sync, webhook callbacks, channels) of the instance the
 * job was enqueued on hear it, so each reacts once.
 */
export class SharedRunQueue implements ManagedQueue {
  private readonly store: QueueStore;
  private readonly local = new Map<string, Local>();
  private readonly waiters = new Map<string, ((job: QueueJob) => void)[]>();
  private readonly listeners = new Set<(job: QueueJob) => void>();
  private readonly work: QueueWork;
  private readonly clock: QueueClock;
  private readonly instanceId: string;
  private readonly timers: (() => void)[] = [];
  private readonly settings: QueueSettingsReader;
  private readonly wake: WakeTimer;
  private state: QueueState = "new";
  private opened: Promise<void> | undefined;
  private pumpWanted = false;
  private pumping: Promise<void> | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(private readonly options: SharedRunQueueOptions) {
    this.clock = options.clock ?? systemQueueClock;
    this.instanceId = options.multi.instanceId;
    this.work = new QueueWork(options.logger);
    this.settings = new QueueSettingsReader(options.settings, options.logger);
    this.wake = new WakeTimer(this.clock, () => this.schedule());
    this.store = redisQueueStore(options.multi.redis, this.instanceId, options.multi.redis.settings.leaseMs);
  }

  open(): Promise<void> {
    this.opened ??= this.load();
    return this.opened;
  }

  start(): void {
    if (this.state !== "open") return;
    this.state = "started";
    const leaseMs = this.options.multi.redis.settings.leaseMs;
    // Renew well inside the lease; look for dead instances' jobs a little more often than a lease lasts.
    this.every(Math.max(200, Math.floor(leaseMs / 3)), () => this.renew());
    this.every(Math.max(200, Math.floor(leaseMs / 2)), () => this.takeOver(false));
    this.every(this.options.pollMs ?? DEFAULT_POLL_MS, async () => {
      this.schedule();
      await this.checkWaiters();
    });
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.state === "stopped" || this.state === "stopping") return this.whenIdle();
    this.state = "stopping";
    for (const cancel of this.timers.splice(0)) cancel();
    this.wake.cancel();
    await stopLiveRuns(
      this.options.runs,
      () => [...this.local.values()].map((entry) => entry.liveSession),
      () => this.whenIdle(),
    );
    await this.unsubscribe?.();
    this.state = "stopped";
  }

  async enqueue(input: QueueJobInput): Promise<QueueJob> {
    const job = newQueueJob(input, this.options.newId?.() ?? crypto.randomUUID(), this.clock.now());
    await this.open();
    if (this.state === "stopping" || this.state === "stopped") throw shuttingDown();
    const envelope = this.envelopeOf(job, 0, this.instanceId);
    const { seq: _seq, ...unnumbered } = envelope;
    envelope.seq = await this.store.enqueue(unnumbered);
    this.options.events?.publish(queueJobEvent(job));
    this.schedule();
    return (await this.get(job.id)) ?? jobView(job, undefined, this.clock.now());
  }

  async get(id: string): Promise<QueueJob | null> {
    await this.open();
    const envelope = await this.store.get(id);
    if (!envelope) return null;
    const position = envelope.job.status === "queued" ? await this.store.position(id) : undefined;
    return this.view(envelope, position);
  }

  async list(filter: ListFilter = {}): Promise<QueueJob[]> {
    await this.open();
    const [envelopes, positions] = await Promise.all([this.store.all(), this.positions()]);
    const listed = listJobs(envelopes, filter, (envelope) => positions.get(envelope.job.id));
    return listed.map((envelope) => this.view(envelope, positions.get(envelope.job.id)));
  }

  async cancel(id: string): Promise<QueueJob> {
    await this.open();
    const envelope = await this.store.get(id);
    if (!envelope) throw jobNotFound(id);
    const { job } = envelope;
    if (job.status === "cancelled") return this.view(envelope);
    if (isFinalQueueStatus(job.status)) throw jobFinished(job);
    if (job.status === "queued") {
      finishJob(job, "cancelled", this.clock.now(), "cancelled before it ran");
      if (await this.store.cancelQueued(envelope, (await this.readSettings()).retain_finished)) {
        this.options.events?.publish(queueJobEvent(job));
        return this.view(envelope);
      }
      // Claimed meanwhile: it is running now, so the cancel goes to its owner.
    }
    const done = this.waitFor(id);
    if (await this.store.requestCancel(id)) await this.cancelLocal(id);
    return done;
  }

  async waitFor(id: string): Promise<QueueJob> {
    await this.open();
    const envelope = await this.store.get(id);
    if (!envelope) throw jobNotFound(id);
    const waiting = new Promise<QueueJob>((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
    // Read again after registering: a change announced between the first read and now is not missed.
    const now = await this.store.get(id);
    if (now && isFinalQueueStatus(now.job.status)) this.resolveWaiters(now);
    return waiting;
  }

  async lanes(): Promise<QueueLaneReport> {
    await this.open();
    const [settings, envelopes, running] = await Promise.all([
      this.readSettings(),
      this.store.all(),
      this.store.running(),
    ]);
    const keysOf = (envelope: JobEnvelope) => ({ agent: envelope.a, workspace: envelope.w });
    return laneReport(
      envelopes.filter((envelope) => running.has(envelope.job.id)).map(keysOf),
      envelopes.filter((envelope) => envelope.job.status === "queued").map(keysOf),
      settings,
    );
  }

  onChange(listener: (job: QueueJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async whenIdle(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (!this.work.busy && !this.pumping) return;
      await Promise.allSettled([this.work.settled(), this.pumping]);
    }
  }

  get counts(): { queued: number; running: number; total: number } {
    return { queued: 0, running: this.local.size, total: this.local.size };
  }

  private async load(): Promise<void> {
    await this.readSettings();
    const subscriber = this.options.multi.redis.open("queue");
    const { changesChannel, cancelChannel } = this.store;
    subscriber.on("message", (channel: string, message: string) => {
      if (channel === changesChannel) this.heard(message);
      else if (channel === cancelChannel) this.track(this.cancelLocal(message));
    });
    await subscriber.subscribe(changesChannel, cancelChannel);
    this.unsubscribe = async () => {
      await subscriber.quit().catch(() => undefined);
    };
    // Jobs still owned under this instance's id are from before a restart: nothing of ours runs yet.
    await this.takeOver(true);
    this.state = "open";
  }

  /** A saved job announced by any instance (this one included). */
  private heard(message: string): void {
    let envelope: JobEnvelope;
    try {
      envelope = JSON.parse(message) as JobEnvelope;
    } catch {
      return;
    }
    if (isFinalQueueStatus(envelope.job.status)) this.resolveWaiters(envelope);
    if (envelope.origin === this.instanceId) {
      const view = this.view(envelope);
      for (const listener of this.listeners) {
        try {
          listener(view);
        } catch (error) {
          this.options.logger.error({ msg: "queue listener failed", error: errorMessage(error) });
        }
      }
    }
    // A job queued or a lane freed anywhere may let one of ours start.
    if (envelope.job.status !== "running") this.schedule();
  }

  private resolveWaiters(envelope: JobEnvelope): void {
    const waiting = this.waiters.get(envelope.job.id);
    if (!waiting) return;
    this.waiters.delete(envelope.job.id);
    const view = this.view(envelope);
    for (const resolve of waiting) resolve(view);
  }

  /** Safety net for a change message lost in a reconnect: waiters look at their job once per poll. */
  private async checkWaiters(): Promise<void> {
    for (const id of [...this.waiters.keys()]) {
      const envelope = await this.store.get(id);
      if (envelope && isFinalQueueStatus(envelope.job.status)) this.resolveWaiters(envelope);
    }
  }

  private schedule(): void {
    if (this.state !== "started") return;
    this.pumpWanted = true;
    if (this.pumping) return;
    this.pumping = this.pump()
      .catch((error: unknown) =>
        this.options.logger.warn({ msg: "queue claim failed", error: errorMessage(error) }),
      )
      .finally(() => {
        this.pumping = undefined;
        if (this.pumpWanted) this.schedule();
      });
  }

  private async pump(): Promise<void> {
    while (this.pumpWanted && this.state === "started") {
      this.pumpWanted = false;
      const settings = await this.readSettings();
      // One job per claim, repeated: instances woken by the same change share the work between them.
      for (;;) {
        if (this.state !== "started") return;
        const { claimed, wakeAt } = await this.store.claim({
          now: this.clock.now(),
          settings,
          max: 1,
          sessionRecheckMs: SESSION_RECHECK_MS,
        });
        this.wakeAt(wakeAt);
        if (claimed.length === 0) break;
        for (const envelope of claimed) this.launch(envelope);
      }
    }
  }

  /** Records the attempt, then starts the run once that record is in Redis (RunRequest.ready). */
  private launch(envelope: JobEnvelope): void {
    const entry: Local = { envelope };
    this.local.set(envelope.job.id, entry);
    beginAttempt(envelope.job, this.clock.now());
    const written = this.save(entry, "running");
    const ok = written.then(
      (saved) => saved,
      (error: unknown) => {
        this.options.logger.error({ msg: "queue job not recorded", error: errorMessage(error) });
        return false;
      },
    );
    this.track(this.begin(entry, ok));
  }

  private async begin(entry: Local, ok: Promise<boolean>): Promise<void> {
    const { job } = entry.envelope;
    let handle: RunHandle;
    try {
      const request = await this.options.prepare(this.view(entry.envelope));
      if (await this.store.cancelRequested(job.id)) job.cancel_requested = true;
      if (job.cancel_requested) return await this.complete(entry, { cancelled: true });
      if (this.state !== "started") return await this.putBack(entry);
      const ready = ok.then((saved) => {
        if (!saved) throw new Error("the job's start could not be recorded");
      });
      handle = await this.options.runs.start({ ...request, ready });
    } catch (error) {
      if (!(await ok)) return this.putBack(entry);
      return await this.complete(entry, { error });
    }
    entry.liveSession = handle.sessionId;
    const attempt = currentAttempt(job);
    if (attempt)
      Object.assign(attempt, { run_id: handle.runId, session_id: handle.sessionId, pid: handle.pid });
    job.run_id = handle.runId;
    job.session_id ??= handle.sessionId;
    handle.done.then(
      (outcome) => this.track(this.complete(entry, { outcome })),
      (error: unknown) => this.track(this.complete(entry, { error })),
    );
    if (this.local.has(job.id)) {
      await this.save(entry, "running").catch((error) => this.writeFailed(error));
      this.options.events?.publish(queueJobEvent(this.view(entry.envelope)));
    }
    if (job.cancel_requested) await this.options.runs.stop(handle.sessionId).catch(() => false);
  }

  /** Nothing was started: the job goes back to the queue without spending the attempt. */
  private async putBack(entry: Local): Promise<void> {
    this.local.delete(entry.envelope.job.id);
    revertAttempt(entry.envelope.job);
    await this.save(entry, "queued").catch((error) => this.writeFailed(error));
  }

  private async complete(entry: Local, result: AttemptResult): Promise<void> {
    const { job } = entry.envelope;
    if (this.local.get(job.id) !== entry) return;
    this.local.delete(job.id);
    settleAttempt(job, result, {
      now: this.clock.now(),
      settings: this.settings.current,
      stopping: this.state !== "started",
    });
    await this.save(entry, job.status === "queued" ? "queued" : "final").catch((error) =>
      this.writeFailed(error),
    );
    this.options.events?.publish(queueJobEvent(this.view(entry.envelope)));
    this.schedule();
  }

  /** Saves a job this instance owns; a job taken over meanwhile (our lease lapsed) is let go of. */
  private async save(entry: Local, kind: SaveKind): Promise<boolean> {
    const { job } = entry.envelope;
    entry.envelope = this.envelopeOf(job, entry.envelope.seq, entry.envelope.origin);
    const saved = await this.store.save(entry.envelope, kind, this.settings.current.retain_finished);
    if (!saved) {
      this.options.logger.warn({
        msg: "queue job was taken over by another instance (lease lapsed); letting it go",
        job_id: job.id,
      });
      if (this.local.get(job.id) === entry) {
        this.local.delete(job.id);
        if (entry.liveSession) await this.options.runs.stop(entry.liveSession).catch(() => false);
      }
    }
    return saved;
  }

  /** A cancel asked anywhere for a job this instance runs: stop its run (its end records the cancel). */
  private async cancelLocal(id: string): Promise<void> {
    const entry = this.local.get(id);
    if (!entry) return;
    entry.envelope.job.cancel_requested = true;
    if (entry.liveSession) await this.options.runs.stop(entry.liveSession).catch(() => false);
  }

  private async renew(): Promise<void> {
    await this.store.renew();
  }

  /**
   * Settles jobs whose instance stopped renewing their lease (or, at start, this instance's own from before
   * a restart) exactly as a restart settles a crashed run: the attempt is recorded as interrupted and the
   * job retried while attempts remain, else failed; a job claimed but never started goes back uncharged.
   */
  private async takeOver(previousLife: boolean): Promise<void> {
    const taken = await this.store.takeOver(previousLife);
    const settings = await this.readSettings();
    for (const { envelope, cancelRequested } of taken) {
      const entry: Local = { envelope };
      const { job } = envelope;
      if (cancelRequested) job.cancel_requested = true;
      if (job.status === "queued") {
        await this.save(entry, "queued");
        continue;
      }
      const reason = await settleInterrupted(job, {
        now: this.clock.now(),
        settings,
        runCompleted: this.options.runCompleted,
      });
      // settleInterrupted changed the status (TypeScript still narrows it to "not queued").
      const settled = job.status as QueueJobStatus;
      await this.save(entry, settled === "queued" ? "queued" : "final");
      this.options.logger.warn({
        msg: "queue job taken over from a stopped instance",
        job_id: job.id,
        outcome: job.status,
        reason,
      });
      this.options.events?.publish(queueJobEvent(this.view(envelope)));
    }
    if (taken.length > 0) this.schedule();
  }

  private envelopeOf(job: QueueJob, seq: number, origin: string): JobEnvelope {
    const notBefore = job.not_before ? Date.parse(job.not_before) : undefined;
    return {
      seq,
      origin,
      a: job.agent_id,
      w: job.workspace_path ?? this.options.home,
      ...(job.session_id ? { s: job.session_id } : {}),
      ...(notBefore !== undefined && Number.isFinite(notBefore) ? { nb: notBefore } : {}),
      // The same object, not a copy: the queue keeps changing its job while the run goes on.
      job,
    };
  }

  private async positions(): Promise<Map<string, number>> {
    const ids = await this.store.queuedIds();
    return new Map(ids.map((id, index) => [id, index + 1]));
  }

  private view(envelope: JobEnvelope, position?: number): QueueJob {
    return jobView(envelope.job, position, this.clock.now());
  }

  private readSettings(): Promise<QueueSettings> {
    return this.settings.read();
  }

  private wakeAt(at: number | undefined): void {
    if (this.state === "started") this.wake.at(at);
  }

  private every(ms: number, work: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.track(
        work()
          .catch((error: unknown) =>
            this.options.logger.warn({ msg: "queue upkeep failed", error: errorMessage(error) }),
          )
          .finally(() => {
            running = false;
          }),
      );
    }, ms);
    timer.unref();
    this.timers.push(() => clearInterval(timer));
  }

  private track(work: Promise<unknown>): void {
    this.work.track(work);
  }

  private writeFailed(error: unknown): void {
    this.options.logger.error({ msg: "queue write to redis failed", error: errorMessage(error) });
  }
}
