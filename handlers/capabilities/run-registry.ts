import type { RunRecord } from "../../storage/run-records.js";

export type { RunRecord, RunResult, RunStatus } from "../../storage/run-records.js";

/** A run as the registry answers it: the stored record, plus the queue job it came from, if any. */
export type RunRecordView = RunRecord & { queue_job_id?: string };

export interface RunWaitResult {
  record: RunRecordView;
  /** The run reached a final status (completed, failed, stopped, timeout, interrupted). */
  done: boolean;
  /** The caller's timeout elapsed first; `record` is the run as it is now. */
  timedOut: boolean;
}

/**
 * Every run, however started (spawn, chat, WebSocket, queue, cron, webhook, interactive, ACP, the
 * OpenVesper routes), by its run id: what it is doing or how it ended, durable across restarts (a run a
 * restart cut off reads `interrupted`). A queued job's id is accepted too, until and after it runs.
 */
export interface RunRegistry {
  get(runId: string): Promise<RunRecordView | null>;
  /**
   * Resolves when the run ends or `timeoutMs` elapses, whichever is first (any number of waiters on one
   * run); null for an unknown id.
   */
  wait(runId: string, timeoutMs: number): Promise<RunWaitResult | null>;
  /**
   * Stops a live run (its whole process family, as a session stop does) and resolves once it has ended;
   * cancels a queued job. `aborted` is false when it had already ended. Null for an unknown id.
   */
  abort(runId: string): Promise<{ record: RunRecordView; aborted: boolean } | null>;
}
