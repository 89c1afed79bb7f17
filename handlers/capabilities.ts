import type { AgentRecord } from "../storage/agents.js";
import type { CronJob, CronJobProblem, MisfirePolicy, OverlapPolicy } from "../storage/cron-jobs.js";
import type { CronRunRecord } from "../storage/cron-runs.js";
import type { ExecutorId } from "../storage/executor-types.js";
import type { UsageReport } from "../storage/ledger.js";
import type { ResolvedProvider } from "../storage/provider-types.js";
import type { TerminalSettings } from "../storage/terminal-settings.js";

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
  /**
   * The kernel or device filesystem a directory lies on (procfs, sysfs, /dev…), or undefined for an
   * ordinary one. Such a directory is never a workspace nor a workdir.
   */
  specialFilesystem(path: string): Promise<string | undefined>;
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

/** One HTTP request as the request-metrics middleware saw it. */
export interface RequestSample {
  method: string;
  /** The matched route pattern (`/api/agent/:id`), never the raw path, so series stay few. */
  route: string;
  status: number;
  seconds: number;
}

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface RouteStats {
  method: string;
  route: string;
  count: number;
  status_classes: Record<string, number>;
  latency_ms: LatencyStats;
}

export interface RunStats {
  count: number;
  by_status: Record<string, number>;
  duration_ms: LatencyStats;
  by_executor: Record<
    string,
    { count: number; by_status: Record<string, number>; duration_ms: LatencyStats }
  >;
}

export interface TelemetryReport {
  /** When the in-memory request and run figures started (the gateway's start). */
  since: string;
  requests: Record<string, RouteStats>;
  runs: RunStats;
  /** From the ledger, over the requested UTC days. */
  tokens_and_cost: UsageReport;
}

/** Request, run, token and cost figures (Node); absent on Workers, where /api/telemetry answers 501. */
export interface Telemetry {
  recordRequest(sample: RequestSample): void;
  /** `from` and `to` are UTC days (YYYY-MM-DD), both included. */
  report(range: { from: string; to: string }): Promise<TelemetryReport>;
  /** The Prometheus text exposition format, version 0.0.4. */
  prometheus(): string;
}

/** A live terminal as `GET /api/terminals` lists it. */
export interface TerminalInfo {
  id: string;
  pid: number;
  cwd: string;
  /** The command run through the shell, or null for an interactive shell. */
  command: string | null;
  cols: number;
  rows: number;
  created_at: string;
  /** Whether a client is connected (false during the grace period after a disconnect). */
  attached: boolean;
  last_activity: string;
  /** Who opened it: `key:<API key name>` or `addr:<remote address>`. */
  client: string;
}

export interface TerminalExit {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  signal: string | null;
  /** Why the gateway ended it, when it did: `killed`, `idle_timeout`, `grace_expired`, `shutdown`. */
  reason?: string;
}

/** What one connection receives from its terminal. Never called synchronously inside open/attach. */
export interface TerminalListener {
  output(data: string): void;
  exit(exit: TerminalExit): void;
  /** Another connection attached to the same terminal; this one receives nothing more. */
  replaced(): void;
}

/** One connection's hold on a terminal; inert once replaced or detached. */
export interface TerminalAttachment {
  readonly terminalId: string;
  readonly pid: number;
  /** Recent output from before this attachment (bounded); send it before any live output. */
  readonly replay: string;
  write(data: string): void;
  /** Debounced: the last size within a short window wins; input written after it sees the new size. */
  resize(cols: number, rows: number): void;
  /** Stops reading the PTY while the client is behind (the program then blocks on a full PTY). */
  pause(): void;
  resume(): void;
  /** The client went away: the terminal keeps running for the grace period. */
  detach(): void;
}

export interface TerminalOpenRequest {
  /** Absolute, existing and allowed (checked by the caller). */
  cwd: string;
  cols: number;
  rows: number;
  /** Run through the user's shell (`$SHELL -c`); an interactive shell when absent. */
  command?: string;
  client: string;
  settings: TerminalSettings;
}

/** Interactive PTYs (Node only). Errors are StorageErrors: TOO_MANY_TERMINALS, TERMINAL_NOT_FOUND. */
export interface TerminalService {
  /**
   * Resolves once PTYs can be opened here (the native module is loaded on first use); rejects with an
   * `unsupported` StorageError saying why when they cannot, so the routes answer 501 and the rest of
   * the gateway runs on.
   */
  ensureAvailable(): Promise<void>;
  open(request: TerminalOpenRequest, listener: TerminalListener): Promise<TerminalAttachment>;
  /**
   * Reattaches to a live (or, within its grace period, just exited) terminal. With `client`, only a
   * terminal that client opened is found (another client's looks unknown).
   */
  attach(id: string, listener: TerminalListener, client?: string): TerminalAttachment;
  get(id: string): TerminalInfo | undefined;
  list(): TerminalInfo[];
  /** Kills the terminal's process group and descendants; resolves with its exit, or null when unknown. */
  kill(id: string): Promise<TerminalExit | null>;
}

/** What a provider's model listing answered (`POST /api/providers/{id}/test`). */
export interface ProviderCheck {
  ok: boolean;
  latency_ms: number;
  models: { id: string; name?: string }[];
  /** Why the check failed; never contains a key. */
  error?: string;
  /** The provider's HTTP status, when it answered. */
  status?: number;
  checked_at: string;
}

/**
 * Asks LLM providers for their model lists and remembers the answers in memory, per provider
 * configuration (Node; absent on Workers, where the test route answers 501).
 */
export interface ProviderChecker {
  /** Asks the provider now; never throws: errors and timeouts are `ok: false`. */
  check(provider: ResolvedProvider, options?: { timeoutMs?: number }): Promise<ProviderCheck>;
  /** The last answer remembered for this provider, without asking. */
  last(provider: ResolvedProvider): ProviderCheck | undefined;
  /**
   * The answer for /api/models: the remembered one while fresh, else asks again but waits at most
   * `waitMs` (the request goes on in the background and fills the cache).
   */
  listing(provider: ResolvedProvider, options?: { waitMs?: number }): Promise<ProviderCheck | undefined>;
}

/** A cron job as the API shows it: the stored fields plus what the scheduler knows. */
export interface CronJobView extends CronJob {
  /** The next scheduled times (ISO, UTC); empty while paused or when none is left. */
  next_runs: string[];
  last_fired_at: string | null;
  /** Firings that have not ended (running in the queue, or waiting for the previous run). */
  active_runs: number;
  /** Why the job cannot be scheduled (a hand edit that does not compile). */
  error?: string;
}

export interface CronJobInput {
  id?: string;
  name: string;
  /** A cron expression, "every 5m", "at <ISO time>", or {"cron"}, {"every"}, {"at"}. */
  schedule: unknown;
  /** IANA name; the gateway's timezone when absent. */
  timezone?: string;
  agent_id: string;
  prompt: string;
  workdir?: string;
  workspace_path?: string;
  enabled?: boolean;
  misfire_policy?: MisfirePolicy;
  overlap_policy?: OverlapPolicy;
}

/** Fields to change; `null` removes `workdir` or `workspace_path`. */
export type CronJobUpdate = { [K in keyof Omit<CronJobInput, "id">]?: CronJobInput[K] | null };

/** Scheduled agent runs (Node: croner computes the times, the run queue runs them). */
export interface CronService {
  list(): Promise<{ jobs: CronJobView[]; problems: CronJobProblem[] }>;
  get(id: string, nextCount?: number): Promise<CronJobView>;
  create(input: CronJobInput): Promise<CronJobView>;
  update(id: string, patch: CronJobUpdate): Promise<CronJobView>;
  remove(id: string): Promise<void>;
  /** Fires the job now (its overlap policy applies). */
  runNow(id: string): Promise<CronRunRecord>;
  pause(id: string): Promise<CronJobView>;
  resume(id: string): Promise<CronJobView>;
  /** Run history, newest first. */
  runs(id: string, limit: number): Promise<CronRunRecord[]>;
}

export interface HeartbeatStatus {
  enabled: boolean;
  /** Seconds between checks (null when not configured). */
  interval: number | null;
  agent_id: string | null;
  last_run_at: string | null;
  last_status: "succeeded" | "failed" | "alert" | "running" | null;
  next_run_at: string | null;
  consecutive_failures: number;
  last_run_id: string | null;
  last_session_id: string | null;
  last_error: string | null;
}

/** The periodic self-check configured in gateway.yaml `heartbeat:` (Node). */
export interface HeartbeatService {
  status(): Promise<HeartbeatStatus>;
  /** Re-reads gateway.yaml now and applies its `heartbeat` section. */
  reload(): Promise<HeartbeatStatus>;
}

/** What webhook intake needs of a queue: the run queue on Node, the edge inbox on Workers. */
export type HookQueue = Pick<RunQueue, "enqueue" | "get" | "list">;

/** How the local gateway reports an inbox item it took over (`POST /api/edge/inbox/{id}/ack`). */
export interface EdgeInboxReceipt {
  /** `delivered`: queued by the local gateway (or found there already); `rejected`: refused for good. */
  status: "delivered" | "rejected";
  /** The local queue job's id. */
  local_job_id?: string;
  /** Why the local gateway refused it. */
  error?: string;
}

/** A webhook wake accepted at the edge: the queue job it asks for, until the local gateway takes it. */
export interface EdgeInboxItem extends QueueJob {
  acked_at?: string;
  receipt?: EdgeInboxReceipt;
}

/**
 * The durable inbox of webhook wakes accepted at the edge (Workers KV). Webhook intake enqueues into it in
 * place of the run queue; the local Node gateway pulls pending items and acknowledges each once.
 */
export interface EdgeInbox extends HookQueue {
  /** Items not yet acknowledged, oldest first. */
  pending(limit: number): Promise<EdgeInboxItem[]>;
  /** Marks an item taken over; acknowledging it again answers the first receipt. Null when unknown. */
  ack(id: string, receipt: EdgeInboxReceipt): Promise<EdgeInboxItem | null>;
}
