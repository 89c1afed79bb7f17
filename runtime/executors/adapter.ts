import type { QuestionAnswer } from "../../handlers/capabilities/runs.js";
import type { McpServerConfig } from "../../storage/agents.js";

/**
 * How the gateway drives one CLI headlessly: the command line for a run, and a parser that turns the
 * CLI's JSON lines into normalized outputs. Pure functions and data only (no I/O), so adapters can be
 * tested from recorded output.
 */
export type PermissionMode = "default" | "acceptEdits" | "bypassPermissions" | "plan";

export interface RunSpec {
  prompt: string;
  /** Absolute working directory of the run. */
  workdir: string;
  model?: string;
  systemPrompt?: string;
  appendPrompt?: string;
  mcpServers?: Record<string, McpServerConfig>;
  /** MCP servers (of `mcpServers`) whose tools need no permission: the gateway's own, e.g. `delegate`. */
  trustedMcpServers?: string[];
  permissionMode?: PermissionMode;
  /** The executor's own session id to resume (from an earlier run's `session` output). */
  resumeSessionId?: string;
  /** Resume `resumeSessionId` as a new conversation of its own (set only where `forkSession` is true). */
  forkSession?: boolean;
}

export interface CommandLine {
  /** Arguments after the binary. */
  args: string[];
  /** Extra environment for the CLI (merged over the gateway's environment). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed; stdin is closed immediately when absent. */
  stdin?: string;
}

/** What a CLI said, normalized across executors. */
export type AgentOutput =
  /** The CLI's own session id (needed to resume) and the model it uses. */
  | { kind: "session"; nativeSessionId: string; model?: string }
  /** A fragment of assistant text. Every piece of text is emitted exactly once, streamed or not. */
  | { kind: "delta"; text: string }
  | { kind: "tool_start"; toolUseId?: string; tool: string; input: unknown }
  | { kind: "tool_end"; toolUseId?: string; tool?: string; result: string; isError: boolean }
  /** One model turn (model call plus its tool results) finished. */
  | { kind: "turn_complete" }
  /** Usage of the whole run so far (adapters turn cumulative counters into this run's numbers). */
  | {
      kind: "usage";
      input: number;
      output: number;
      cacheRead?: number;
      cacheWrite?: number;
      /** Cost as reported by the CLI, when it reports one. */
      costUsd?: number;
    }
  /** The run's final answer; `isError` when the CLI reports failure. */
  | { kind: "result"; text?: string; isError: boolean; error?: string }
  /** A non-fatal problem the CLI reported (fatal ones end in a result with isError). */
  | { kind: "error"; message: string };

export interface OutputParser {
  /** One line of stdout (without the newline). Lines that are not JSON are ignored. */
  line(text: string): AgentOutput[];
  /** stdout ended. */
  end(): AgentOutput[];
}

export interface ExecutorAdapter {
  buildCommand(spec: RunSpec): CommandLine;
  createParser(): OutputParser;
  /** Resuming works only from the workdir the session started in (Claude, Gemini). */
  readonly resumeRequiresSameWorkdir: boolean;
  /** The CLI can fork a conversation it resumes (Claude Code `--fork-session`). */
  readonly forkSession?: boolean;
  /**
   * The CLI reports usage summed over the whole conversation, earlier resumed runs included (Codex,
   * Qwen): the gateway subtracts what it recorded for the session before.
   */
  readonly usageIsCumulative?: boolean;
  /**
   * How to hold a conversation with the CLI while it runs (a fresh protocol per run: its reader keeps
   * state); absent for one-prompt-per-process CLIs.
   */
  readonly interactive?: () => InteractiveProtocol;
}

/** What an interactive CLI says beyond the normalized outputs: control requests, thinking, turn ends. */
export type InteractiveSignal =
  | { kind: "question"; requestId: string; toolName: string; toolUseId?: string; input: unknown }
  | { kind: "question_cancelled"; requestId: string }
  | { kind: "thinking"; text: string }
  | {
      kind: "turn_result";
      subtype: string;
      isError: boolean;
      text?: string;
      error?: string;
      costUsd?: number;
      durationMs?: number;
      numTurns?: number;
    }
  | { kind: "context_usage"; input: number; output: number; cacheRead: number; cacheWrite: number };

/**
 * A CLI driven over a two-way channel: its stdin stays open and takes one JSON line per message (user
 * turns, interrupts, answers to its permission questions). Pure encoders and a line reader, no I/O.
 */
export interface InteractiveProtocol {
  /** The command line; stdin is left open and gets `userTurn(prompt)` first. */
  buildCommand(spec: RunSpec): CommandLine;
  /** A stdin line adding a user turn (queued by the CLI when one is running). */
  userTurn(text: string): string;
  /** A stdin line interrupting the running turn. */
  interrupt(requestId: string): string;
  /** A stdin line answering the CLI's question `requestId`. */
  answer(requestId: string, answer: QuestionAnswer): string;
  /** Signals in one stdout line (the adapter's parser still gets every line). */
  read(line: string): InteractiveSignal[];
}
