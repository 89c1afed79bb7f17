import type { AgentRecord } from "../../storage/agents.js";

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
