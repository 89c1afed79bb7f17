import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../../handlers/capabilities/queue.js";
import type {
  RunRecord,
  RunRecordView,
  RunRegistry,
  RunWaitResult,
} from "../../handlers/capabilities/run-registry.js";
import type { RunOutcome } from "../../handlers/capabilities/runs.js";
import { isFinalRunStatus, type RunRecordRepository, type RunStatus } from "../../storage/run-records.js";
import type { RunLifecycle, RunStart } from "./run-hooks.js";

export interface RunRegistryOptions {
  records: RunRecordRepository;
  now: () => Date;
  logger: Logger;
  /** Stops a session's run and resolves once it has ended (RunService.stop). */
  stop: (sessionId: string) => Promise<boolean>;
  /** The run queue, for ids of queued jobs (read lazily: the queue is built after the run manager). */
  queue?: () => RunQueue | undefined;
}

const PREVIEW_CHARS = 200;

/** The log line that ends a run, by its final status. */
const RUN_END_MESSAGES: Record<string, string> = {
  completed: "run completed",
  failed: "run failed",
  stopped: "run stopped",
  timeout: "run timed out",
};

/** A queue job's status as a run status, for a job that has no run (yet, or at all). */
const JOB_STATUS: Record<string, RunStatus> = {
  queued: "queued",
  running: "running",
  succeeded: "completed",
  failed: "failed",
  cancelled: "stopped",
};

/**
 * The run registry: told of every run's start and end by the run manager (RunLifecycle), it keeps live
 * runs in memory, writes each run's record (storage/run-records.ts) in order, and answers lookups, waits
 * and aborts by run id. Records written before this process started come from disk.
 */
export class GatewayRunRegistry implements RunRegistry, RunLifecycle {
  /** Runs of this process whose record may not be on disk yet (live, or final with the write pending). */
  private readonly memory = new Map<string, RunRecord>();
  private readonly waiters = new Map<string, Set<(record: RunRecord) => void>>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly o: RunRegistryOptions) {}

  /** Marks the runs the last gateway left live as interrupted; call before any run starts. */
  async recover(): Promise<string[]> {
    return this.o.records.recoverInterrupted(this.o.now());
  }

  started(run: RunStart): void {
    const now = this.o.now().toISOString();
    const { request } = run;
    const record: RunRecord = {
      run_id: run.runId,
      status: "running",
      agent_id: request.agent.id,
      session_id: run.sessionId,
      source: request.source,
      ...(request.channel ? { channel: request.channel } : {}),
      ...(request.sessionKey ? { session_key: request.sessionKey } : {}),
      executor: run.executor,
      pid: run.pid,
      workdir: run.workdir,
      prompt_preview: [...request.prompt].slice(0, PREVIEW_CHARS).join(""),
      accepted_at: now,
      started_at: now,
    };
    this.memory.set(run.runId, record);
    this.write(run.runId, "record the run's start", () => this.o.records.saveLive(record));
    // Every run passes here (chat, API, cron, webhooks, heartbeat): one log line at each end of it.
    this.o.logger.info({
      msg: "run started",
      run_id: run.runId,
      agent: request.agent.id,
      session: run.sessionId,
      executor: run.executor,
      source: request.source,
      pid: run.pid,
    });
  }

  finished(outcome: RunOutcome): void {
    const current = this.memory.get(outcome.runId);
    if (!current) return;
    const ended = this.o.now();
    const started = Date.parse(current.started_at ?? current.accepted_at);
    const record: RunRecord = {
      ...current,
      status: outcome.status,
      ended_at: ended.toISOString(),
      duration_ms: Math.max(0, ended.getTime() - started),
      result: {
        reply: outcome.response,
        tokens: outcome.tokens,
        cost_cents: outcome.costCents,
        tools_used: outcome.toolsUsed,
        ...(outcome.error ? { error: outcome.error } : {}),
        exit_code: outcome.exitCode ?? null,
      },
    };
    this.memory.set(outcome.runId, record);
    const line = {
      msg: RUN_END_MESSAGES[outcome.status] ?? `run ${outcome.status}`,
      run_id: outcome.runId,
      agent: current.agent_id,
      session: current.session_id,
      source: current.source,
      exit_code: outcome.exitCode ?? null,
      duration_ms: record.duration_ms,
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    if (outcome.status === "failed" || outcome.status === "timeout") this.o.logger.warn(line);
    else this.o.logger.info(line);
    this.write(
      outcome.runId,
      "record the run's end",
      () => this.o.records.saveFinal(record),
      () => {
        // On disk now: later reads go there.
        if (this.memory.get(outcome.runId) === record) this.memory.delete(outcome.runId);
      },
    );
    const waiting = this.waiters.get(outcome.runId);
    this.waiters.delete(outcome.runId);
    for (const resolve of waiting ?? []) resolve(record);
  }

  async get(runId: string): Promise<RunRecordView | null> {
    const known = this.memory.get(runId) ?? (await this.o.records.find(runId));
    if (known) return known;
    const job = await this.job(runId);
    return job ? this.jobView(job) : null;
  }

  async wait(runId: string, timeoutMs: number): Promise<RunWaitResult | null> {
    const record = await this.get(runId);
    if (!record) return null;
    if (isFinalRunStatus(record.status)) return { record, done: true, timedOut: false };
    if (record.queue_job_id && record.run_id === record.queue_job_id)
      return this.waitForJob(record, timeoutMs);
    const live = this.memory.get(record.run_id);
    // A record that says running but is not live here was cut off before recovery could see it.
    if (!live) return { record, done: false, timedOut: false };
    // It may have ended while the record was read.
    if (isFinalRunStatus(live.status)) return { record: withJob(live, record), done: true, timedOut: false };
    const final = await new Promise<RunRecord | undefined>((resolve) => {
      const waiting = this.waiters.get(record.run_id) ?? new Set();
      this.waiters.set(record.run_id, waiting);
      const timer = setTimeout(() => {
        waiting.delete(settle);
        resolve(undefined);
      }, timeoutMs);
      const settle = (done: RunRecord) => {
        clearTimeout(timer);
        resolve(done);
      };
      waiting.add(settle);
    });
    if (final) return { record: withJob(final, record), done: true, timedOut: false };
    const now = this.memory.get(record.run_id) ?? record;
    return { record: withJob(now, record), done: isFinalRunStatus(now.status), timedOut: true };
  }

  async abort(runId: string): Promise<{ record: RunRecordView; aborted: boolean } | null> {
    const record = await this.get(runId);
    if (!record) return null;
    if (isFinalRunStatus(record.status)) return { record, aborted: false };
    if (record.queue_job_id && record.run_id === record.queue_job_id) {
      // Not started yet (or starting): the queue cancels it, or stops the run it just began.
      const job = await this.o.queue?.()?.cancel(record.queue_job_id);
      const after = job ? await this.jobView(job) : record;
      return { record: after, aborted: true };
    }
    if (!this.memory.has(record.run_id)) return { record, aborted: false };
    // One run per session at a time: the session's run is this one while it is live.
    const stopped = await this.o.stop(record.session_id);
    const after = this.memory.get(record.run_id) ?? (await this.o.records.find(record.run_id)) ?? record;
    return { record: withJob(after, record), aborted: stopped };
  }

  /** Settles once every record write of this process is on disk (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  private async waitForJob(record: RunRecordView, timeoutMs: number): Promise<RunWaitResult> {
    const queue = this.o.queue?.();
    if (!queue || !record.queue_job_id) return { record, done: false, timedOut: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      queue.waitFor(record.queue_job_id).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const now = (await this.get(record.queue_job_id)) ?? record;
    // The job's run may still be writing its end: wait for that record's end if the job is final.
    if (!timedOut && !isFinalRunStatus(now.status) && this.memory.has(now.run_id)) {
      const rest = await this.wait(now.run_id, timeoutMs);
      if (rest) return { ...rest, record: { ...rest.record, queue_job_id: record.queue_job_id } };
    }
    return { record: now, done: isFinalRunStatus(now.status), timedOut };
  }

  private async job(id: string): Promise<QueueJob | null> {
    const queue = this.o.queue?.();
    if (!queue) return null;
    return queue.get(id).catch(() => null);
  }

  /** A queue job by its id: its run's record once it has one, else the job as a queued run. */
  private async jobView(job: QueueJob): Promise<RunRecordView> {
    if (job.run_id) {
      const run = this.memory.get(job.run_id) ?? (await this.o.records.find(job.run_id));
      if (run) return { ...run, queue_job_id: job.id };
    }
    return {
      run_id: job.run_id ?? job.id,
      status: JOB_STATUS[job.status] ?? "queued",
      agent_id: job.agent_id,
      session_id: job.session_id ?? "",
      source: job.source,
      prompt_preview: [...job.prompt].slice(0, PREVIEW_CHARS).join(""),
      accepted_at: job.created_at,
      ...(job.started_at ? { started_at: job.started_at } : {}),
      ...(job.ended_at ? { ended_at: job.ended_at } : {}),
      ...(job.error
        ? { result: { reply: "", tokens: { input: 0, output: 0 }, cost_cents: 0, error: job.error } }
        : {}),
      queue_job_id: job.id,
    };
  }

  /** Storage work per run in order (start before end); failures are logged, never fatal to the run. */
  private write(runId: string, what: string, work: () => Promise<void>, after?: () => void): void {
    const previous = this.writes.get(runId) ?? Promise.resolve();
    const next = previous
      .then(work)
      .then(after)
      .catch((error: unknown) =>
        this.o.logger.error({ msg: `could not ${what}`, run_id: runId, error: (error as Error).message }),
      );
    this.writes.set(runId, next);
    void next.then(() => {
      if (this.writes.get(runId) === next) this.writes.delete(runId);
    });
  }
}

/** Keeps the queue job id a lookup came by. */
function withJob(record: RunRecord, via: RunRecordView): RunRecordView {
  return via.queue_job_id ? { ...record, queue_job_id: via.queue_job_id } : record;
}
