import type { RunOutcome, RunRequest } from "../../handlers/capabilities/runs.js";
import type { AgentRecord } from "../../storage/agents.js";
import type { SessionMessage } from "../../storage/sessions.js";
import type { AgentOutput } from "../executors/adapter.js";
import type { NativeTool } from "../native/tools/native-tool.js";
import type { ProcessFamily } from "./process-cookie.js";

/** What ended a run's process (a CLI, or a native run acting like one). */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KiB of stderr (or of the native runtime's error text), for error reports. */
  stderrTail: string;
}

/** A running run, whatever executes it: a supervised CLI process or a native run inside the gateway. */
export interface RunProcess {
  /** The OS process id, or 0 for a run inside the gateway. */
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  /** Stops the run; resolves once it has ended. */
  stop(): Promise<void>;
}

/** One call to an LLM provider (native runs), for the ledger. */
export interface ProviderCallUsage {
  run_id: string;
  session_id: string;
  agent_id: string;
  provider: string;
  model: string;
  tokens: { input: number; output: number; cache_read?: number; cache_write?: number };
  cost_cents: number;
  duration_ms: number;
  error?: string;
}

export interface NativeRunInput {
  agent: AgentRecord;
  prompt: string;
  workdir: string;
  sessionId: string;
  runId: string;
  /** The session's earlier messages, oldest first (the conversation so far, without this prompt). */
  history: SessionMessage[];
  /** The run's processes: shell commands and MCP servers are started as members (killed at run end). */
  family?: ProcessFamily;
  /** Tools the gateway adds for this run (delegation), beside the built-in ones. */
  extraTools?: NativeTool[];
  onOutput: (output: AgentOutput) => void;
  /** Reports each provider call as it completes. */
  reportCall: (usage: ProviderCallUsage) => void;
  /** Wraps the run's tools (approvals: each call waits for its verdict). */
  wrapTools?: (tools: NativeTool[]) => NativeTool[];
  /** Guardian hints to add as user messages before the next model call. */
  takeHints?: () => string[];
}

/** Runs agents without an executor (`agent_type` viben) inside the gateway. */
export interface NativeRunner {
  /** Throws a StorageError (e.g. PROVIDER_NOT_CONFIGURED) when the agent cannot run; called before anything is stored. */
  check(agent: AgentRecord): Promise<void>;
  start(input: NativeRunInput): RunProcess;
}

/** A finished run, as the ledger and telemetry see it. */
export interface RunSummary {
  run_id: string;
  session_id: string;
  agent_id: string;
  /** The executor id, or "viben" for a native run. */
  executor: string;
  model?: string;
  provider?: string;
  status: "completed" | "failed" | "stopped" | "timeout";
  tokens: { input: number; output: number };
  cost_cents: number;
  started_at: string;
  ended_at: string;
  duration_ms: number;
}

/** Cross-cutting concerns around every run (budgets, ledger, telemetry), wired in by the runtime. */
export interface RunHooks {
  /** Throws (e.g. 402 BUDGET_EXCEEDED) to refuse a run before anything is stored or started. */
  beforeRun?(agent: AgentRecord): Promise<void>;
  /** Called once per run after it is recorded; failures are logged, never fatal. */
  afterRun?(summary: RunSummary): Promise<void>;
  /** Called for every provider call of a native run. */
  onProviderCall?(usage: ProviderCallUsage): void;
}

/** A run that has just started, as the run registry records it. */
export interface RunStart {
  runId: string;
  sessionId: string;
  pid: number;
  executor: string;
  workdir: string;
  request: RunRequest;
}

/** Where every run's start and end is reported (the run registry); called synchronously, never throws. */
export interface RunLifecycle {
  started(run: RunStart): void;
  finished(outcome: RunOutcome): void;
}
