/** Where a queued run came from. */
export type QueueSource = "api" | "cron" | "webhook" | "task" | "heartbeat";

export interface QueueJobInput {
  agent_id: string;
  prompt: string;
  /** Absolute workdir; the agent's default when absent (see prepareChatRun). */
  workdir?: string;
  /** Continue this session. */
  session_id?: string;
  /** Where the agent is looked up (and the per-workspace lane); the home directory when absent. */
  workspace_path?: string;
  /** Higher runs first; default 0. */
  priority?: number;
  /** Attempts before the job fails for good (retries with backoff); default 1. */
  max_attempts?: number;
  source: QueueSource;
  /** The cron job, task, webhook delivery … that asked. */
  source_id?: string;
  metadata?: Record<string, unknown>;
}

export type QueueJobStatus = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "interrupted";

export interface QueueJob extends QueueJobInput {
  id: string;
  status: QueueJobStatus;
  attempts: number;
  created_at: string;
  started_at?: string;
  ended_at?: string;
  /** When a retry may start (backoff). */
  not_before?: string;
  run_id?: string;
  error?: string;
  /** When the job last entered the queue (enqueue or retry): the start of its current wait. */
  queued_at?: string;
  /** A cancel was asked while it ran; the run is being stopped. */
  cancel_requested?: boolean;
  /** Every attempt that started, oldest first, with how it ended. */
  attempt_log?: QueueAttempt[];
  /** 1-based place among queued jobs in run order (queued jobs only; computed when read). */
  position?: number;
  /** Milliseconds since `queued_at` (queued jobs only; computed when read). */
  waiting_ms?: number;
}

export interface QueueAttempt {
  n: number;
  status: "running" | "succeeded" | "failed" | "cancelled" | "interrupted";
  started_at: string;
  ended_at?: string;
  run_id?: string;
  session_id?: string;
  pid?: number;
  error?: string;
}

/** Running and queued jobs of one lane, beside its limit. */
export interface QueueLaneUsage {
  running: number;
  queued: number;
  limit: number;
}

export interface QueueLaneReport {
  limits: { concurrency: number; per_agent: number; per_workspace: number };
  global: QueueLaneUsage;
  agents: (QueueLaneUsage & { agent_id: string })[];
  workspaces: (QueueLaneUsage & { workspace_path: string })[];
}

/**
 * The durable queue of agent runs (Node). Jobs survive restarts; concurrency is limited per lane
 * (global, per agent, per workspace). Cron, webhooks, tasks and the heartbeat all enqueue here.
 */
export interface RunQueue {
  enqueue(input: QueueJobInput): Promise<QueueJob>;
  get(id: string): Promise<QueueJob | null>;
  list(filter?: {
    status?: QueueJobStatus;
    agent_id?: string;
    source?: QueueSource;
    limit?: number;
  }): Promise<QueueJob[]>;
  /** Cancels a queued job, or stops a running one. */
  cancel(id: string): Promise<QueueJob>;
  /** Resolves with the job once it reaches a final status. */
  waitFor(id: string): Promise<QueueJob>;
  /** Running and queued jobs per lane (global, agent, workspace) with their limits. Optional for fakes. */
  lanes?(): Promise<QueueLaneReport>;
}

/** What webhook intake needs of a queue: the run queue on Node, the edge inbox on Workers. */
export type HookQueue = Pick<RunQueue, "enqueue" | "get" | "list">;
