import type { ExecutorId } from "../../storage/executor-types.js";

/**
 * One session an executor CLI logged in its own data directory (Claude Code's
 * `~/.claude/projects/<cwd>/<id>.jsonl`, Codex's `~/.codex/sessions/YYYY/MM/DD/rollout-*-<id>.jsonl`).
 * The field names follow the original Viben gateway's ExecutorSession.
 */
export interface NativeSessionSummary {
  /** The executor's own session id (what `claude --resume` / `codex exec resume` take). */
  id: string;
  executor_type: ExecutorId;
  /** The directory the session ran in (the CLI resumes it only there, for Claude Code). */
  workspace_path: string;
  cwd: string;
  created_at: string;
  updated_at: string;
  /** The first user message, shortened. */
  name?: string;
  /** Messages in the conversation; left out for logs too large to count in a listing. */
  message_count?: number;
  size_bytes: number;
}

/** A message of a native session, in the original Viben gateway's ExecutorUIMessage shape. */
export interface NativeSessionMessage {
  id: string;
  timestamp: string;
  type: "user" | "text" | "tool_use" | "tool_result" | "thinking";
  content?: string;
  tool_use_id?: string;
  tool_name?: string;
  tool_input?: unknown;
  tool_output?: string;
  is_error?: boolean;
}

export interface NativeSessionPage {
  sessions: NativeSessionSummary[];
  /** Sessions matching the filter, before paging. */
  total: number;
}

export interface NativeSession {
  summary: NativeSessionSummary;
  messages: NativeSessionMessage[];
}

/**
 * Reads the executors' own session logs, only inside each executor's data directory. Unknown ids are
 * refused before any path is built from them.
 */
export interface NativeSessionStore {
  /** Executors whose session log format the gateway reads. */
  readonly executors: readonly ExecutorId[];
  /** Newest first; `workspacePath` keeps only sessions that ran in that directory. */
  list(
    executor: ExecutorId,
    options: { workspacePath?: string; offset: number; limit: number },
  ): Promise<NativeSessionPage>;
  /**
   * The whole session, or a not_found DomainError; a malformed id is a validation DomainError. `cwd` names
   * the directory of a log that does not record it (Gemini CLI), checked against what the log does say.
   */
  read(executor: ExecutorId, sessionId: string, options?: { cwd?: string }): Promise<NativeSession>;
}
