import type { AgentRecord } from "../../storage/agents.js";

export interface RunRequest {
  agent: AgentRecord;
  prompt: string;
  /** Absolute, existing, and allowed for the agent (checked by the caller). */
  workdir: string;
  sessionId?: string;
  /** Who asked: "spawn", "chat", "ws", "cron", ... */
  source: string;
  /** OpenVesper's channel and session key, kept in the run's record (GET /agent/run/:runId). */
  channel?: string;
  sessionKey?: string;
  /** Set on a delegated run: how deep in a delegation chain it is (1 = delegated by a top-level run). */
  delegation?: { depth: number; parentRunId?: string };
  /**
   * The run's process starts only once this settles, and not at all if it rejects: the queue's journal
   * line for the attempt is synced while the session is prepared instead of before.
   */
  ready?: Promise<unknown>;
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
  /**
   * Resolves once the run's processes are gone, before its records are written (`done` follows them); a
   * queue lane is free from then. Absent where a runtime cannot tell the two apart.
   */
  ended?: Promise<void>;
}

/** Starts and stops agent runs (Node only: it spawns processes). */
export interface RunService {
  start(request: RunRequest): Promise<RunHandle>;
  /** Stops the session's run; resolves false when nothing was running. */
  stop(sessionId: string): Promise<boolean>;
  isRunning(sessionId: string): boolean;
  /** Messages waiting for the session's current run (its queue mode is `queue` or `steer`); absent: none. */
  pending?(sessionId: string): Array<{ message: string; source: string; enqueuedAt: string }>;
  /** Starts a run the caller talks to (see InteractiveRun below); absent where a runtime has none. */
  startInteractive?(request: InteractiveRunRequest): Promise<InteractiveRun>;
  /** The live interactive run of a session, if any (for side-channel answers, steer and stop). */
  findInteractive?(sessionId: string): InteractiveRun | undefined;
}

/*
 * Interactive runs: a run the caller talks to while it works (the Viben desktop's /api/agent/run and
 * /ws/agent/run; meant to be reused by other live protocols such as ACP). The run is an ordinary gateway
 * run: one session (listed by the sessions API, resumable), the same events on the bus, the same
 * persisted history. On top, the caller gets the run's frames as they happen and a handle to steer,
 * answer permission questions and interrupt it.
 *
 * What each executor can do is in `InteractiveRun.features`: Claude Code has a two-way control channel
 * (steer, interrupt, permission questions); the other executors run one prompt per process, so steer and
 * answers are refused with a conflict DomainError (`STEER_NOT_SUPPORTED`, `QUESTIONS_NOT_SUPPORTED`) and
 * interrupt stops the process.
 *
 * Use: `runs.startInteractive({ ...runRequest, onEvent })` resolves once the process runs (refusals such
 * as SESSION_BUSY or EXECUTOR_NOT_INSTALLED throw before anything starts); `onEvent` gets `started`
 * first and `end` last; `findInteractive(sessionId)` finds the live run again (e.g. from another request).
 */

/** One thing that happened in an interactive run, in the order it happened. */
export type InteractiveRunEvent =
  /** Always first: the gateway session (listed by the sessions API, resumable) and the run. */
  | { type: "started"; sessionId: string; runId: string; pid: number; executor: string; workdir: string }
  /** The executor's own session id, once known (what `--resume` takes). */
  | { type: "native_session"; nativeSessionId: string; model?: string }
  | { type: "status"; status: "running" | "waiting_for_answer" | "idle" | "interrupting" }
  | { type: "text"; content: string }
  /** A steer message was handed to the executor (it becomes the next turn). */
  | { type: "steered"; message: string }
  | { type: "thinking"; content: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; toolUseId: string; name?: string; output: string; isError: boolean }
  /** The executor asks before using a tool (or asks the user a question, or to approve a plan). */
  | { type: "question"; question: PendingQuestion }
  /** The executor withdrew a question (e.g. the turn was interrupted); answering it is refused. */
  | { type: "question_cancelled"; questionId: string }
  /** One prompt (turn) finished. */
  | {
      type: "turn_result";
      subtype: string;
      isError: boolean;
      text?: string;
      error?: string;
      costUsd?: number;
      durationMs?: number;
      numTurns?: number;
    }
  /** Tokens the last model call read and wrote (the context window in use). */
  | {
      type: "context_usage";
      inputTokens: number;
      outputTokens: number;
      cacheReadTokens: number;
      cacheWriteTokens: number;
    }
  | { type: "error"; message: string; code?: string }
  /** The run is over; no event follows. */
  | { type: "end"; outcome: RunOutcome };

export interface PendingQuestion {
  id: string;
  /** "permission": may the tool run; "question": the agent asks the user (AskUserQuestion); "plan": approve a plan (ExitPlanMode). */
  kind: "permission" | "question" | "plan";
  toolName: string;
  toolUseId?: string;
  input: unknown;
}

/** How a question is answered: allow (optionally with the tool's input changed) or deny with a reason. */
export type QuestionAnswer =
  | { behavior: "allow"; updatedInput?: Record<string, unknown> }
  | { behavior: "deny"; message?: string; interrupt?: boolean };

export interface InteractiveRun extends RunHandle {
  readonly features: { steer: boolean; interrupt: boolean; questions: boolean };
  /** Questions asked and not yet answered. */
  readonly pendingQuestions: PendingQuestion[];
  /** Adds a user message to the running conversation (taken as the next turn); refused where unsupported. */
  steer(message: string): void;
  /** Answers a pending question; a DomainError when the id is unknown or already answered. */
  answer(questionId: string, answer: QuestionAnswer): void;
  /** Interrupts the current turn and ends the run (politely first, then the process is stopped). */
  interrupt(): Promise<void>;
}

export interface InteractiveRunRequest extends RunRequest {
  /** Receives every event of the run, synchronously and in order, from the start until `end`. */
  onEvent: (event: InteractiveRunEvent) => void;
}
