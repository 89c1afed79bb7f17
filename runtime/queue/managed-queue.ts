import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../../handlers/capabilities/queue.js";
import type { RunRequest, RunService } from "../../handlers/capabilities/runs.js";
import type { QueueSettings } from "../../storage/queue-settings.js";
import type { QueueClock } from "./clock.js";

/** A queue with its lifecycle: the journal-backed one, or the Redis-shared one in multi-instance mode. */
export interface ManagedQueue extends RunQueue {
  open(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
  /** Resolves once no scheduling pass, launch or completion is in progress (tests, benches). */
  whenIdle(): Promise<void>;
  /** Calls `listener` with a copy of a job after each of its transitions; returns the unsubscribe. */
  onChange(listener: (job: QueueJob) => void): () => void;
}

/** What either queue is built from (everything but where jobs are kept). */
export interface QueueParts {
  runs: RunService;
  /** Turns a job into a run request (agent lookup, workdir check); a throw fails the attempt. */
  prepare: (job: QueueJob) => Promise<RunRequest>;
  /** Lane limits and retry policy, read before each scheduling pass (gateway.yaml edits apply live). */
  settings?: () => Promise<QueueSettings>;
  /** The workspace lane of jobs that name none (the home directory). */
  home: string;
  logger: Logger;
  events?: EventBus;
  clock?: QueueClock;
  newId?: () => string;
  /** See RecoveryOptions.runCompleted. */
  runCompleted?: (sessionId: string, runId: string) => Promise<boolean>;
}
