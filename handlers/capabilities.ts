import type { AgentRecord } from "../storage/agents.js";
import type { ExecutorId } from "../storage/executor-types.js";

/**
 * Runtime capabilities, as types only: the Node runtime provides real implementations, the Worker
 * provides what it can, handler tests provide fakes. Handlers never import Node-only modules.
 */
export interface ExecutorAvailability {
  type: "LOGIN_DETECTED" | "INSTALLATION_FOUND" | "NOT_INSTALLED";
  last_auth_timestamp?: number;
}

export interface ExecutorInfo {
  id: ExecutorId;
  name: string;
  availability: ExecutorAvailability;
  supports_mcp: boolean;
  capabilities: string[];
  features: string[];
  has_workspace_config: boolean;
  workspace_path: string;
  workspace_config_path?: string;
  global_config_path: string;
  /** MCP servers and skills found in the executor's own configuration files (global + workspace). */
  mcp_server_count: number;
  skill_count: number;
  /** The command that would be run, when the binary was found. */
  command?: string;
}

export interface ExecutorCatalog {
  /** Every known executor, probed for the given workspace. */
  list(workspacePath: string): Promise<ExecutorInfo[]>;
  get(id: ExecutorId, workspacePath: string): Promise<ExecutorInfo>;
}

export interface PathProbe {
  /** Whether an absolute path names an existing directory. */
  isDirectory(path: string): Promise<boolean>;
  /** The path with symbolic links resolved (the path itself where that is not possible). */
  realpath(path: string): Promise<string>;
}

export interface Logger {
  info(fields: Record<string, unknown>): void;
  warn(fields: Record<string, unknown>): void;
  error(fields: Record<string, unknown>): void;
}

export interface Clock {
  now(): Date;
}

/** One event as every listener sees it (DESIGN.md): SSE `data:` and WebSocket frames share this envelope. */
export interface GatewayEvent {
  type: string;
  seq: number;
  ts: string;
  session_id?: string;
  run_id?: string;
  agent_id?: string;
  [field: string]: unknown;
}

/** What a publisher supplies; the bus adds `seq` and `ts`. */
export interface EventInput {
  type: string;
  session_id?: string;
  run_id?: string;
  agent_id?: string;
  [field: string]: unknown;
}

export interface EventFilter {
  session_id?: string;
  agent_id?: string;
  /** Event types to deliver; all when absent. */
  types?: string[];
}

export interface EventSubscription {
  /** Next event, or null once the subscription is closed (then `closeReason` says why). */
  next(): Promise<GatewayEvent | null>;
  /** Events queued for this subscriber and not yet taken. */
  readonly pending: number;
  readonly closeReason: string | undefined;
  close(reason?: string): void;
}

/**
 * Fan-out of run and system events. `publish` never blocks: each subscriber has a bounded queue and a
 * subscriber that falls too far behind is closed with a reason instead of stalling the run.
 */
export interface EventBus {
  publish(event: EventInput): GatewayEvent;
  /** Subscribes; with `afterSeq`, first replays buffered events newer than it (Last-Event-ID). */
  subscribe(filter: EventFilter, options?: { afterSeq?: number; maxQueue?: number }): EventSubscription;
  /** The sequence number of the newest event. */
  readonly lastSeq: number;
}

export interface RunRequest {
  agent: AgentRecord;
  prompt: string;
  /** Absolute, existing, and allowed for the agent (checked by the caller). */
  workdir: string;
  sessionId?: string;
  /** Who asked: "spawn", "chat", "ws", "cron", ... */
  source: string;
}

export interface RunOutcome {
  runId: string;
  sessionId: string;
  status: "completed" | "failed" | "stopped" | "timeout";
  response: string;
  toolsUsed: string[];
  tokens: { input: number; output: number };
  costCents: number;
  error?: string;
  exitCode?: number | null;
}

export interface RunHandle {
  runId: string;
  sessionId: string;
  pid: number;
  done: Promise<RunOutcome>;
}

/** Starts and stops agent runs (Node only: it spawns processes). */
export interface RunService {
  start(request: RunRequest): Promise<RunHandle>;
  /** Stops the session's run; resolves false when nothing was running. */
  stop(sessionId: string): Promise<boolean>;
  isRunning(sessionId: string): boolean;
}

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
}

/**
 * The durable queue of agent runs (Node). Jobs survive restarts; concurrency is limited per lane
 * (global, per agent, per workspace). Cron, webhooks, tasks and the heartbeat all enqueue here.
 */
export interface RunQueue {
  enqueue(input: QueueJobInput): Promise<QueueJob>;
  get(id: string): Promise<QueueJob | null>;
  list(filter?: { status?: QueueJobStatus; agent_id?: string; source?: QueueSource; limit?: number }): Promise<QueueJob[]>;
  /** Cancels a queued job, or stops a running one. */
  cancel(id: string): Promise<QueueJob>;
  /** Resolves with the job once it reaches a final status. */
  waitFor(id: string): Promise<QueueJob>;
}
