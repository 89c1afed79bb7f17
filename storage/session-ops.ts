/*
 * Conversation surgery on a session: fork, branch, reset and compaction (OpenVesper's session operations).
 * The gateway's transcript is the truth for native agents; an executor CLI keeps its own conversation, so
 * each operation also leaves the session a way to continue in the CLI:
 * - `fork_native_session_id`: a CLI session to fork on the next run (Claude Code `--resume --fork-session`);
 * - `fork_on_resume`: the session's own CLI session was forked from, so its next run forks it as well;
 * - `carry_over`: the live transcript as text, handed to a CLI that starts a fresh conversation (a branch,
 *   a compacted or reset session, or a CLI without a fork of its own).
 * Both matter only while the session has no `native_session_id` of its own (the runtime reads them then).
 * What an operation replaces is never lost: the old transcript is copied to an archived session first.
 */
import { conflict, invalid } from "./errors.js";
import type { SessionMessage, SessionMessageInput, SessionRecord, SessionRepository } from "./sessions.js";

export type CopyReason = "fork" | "branch" | "reset" | "compact";

/** How much of a transcript `carry_over` keeps (the newest part wins when longer). */
const CARRY_OVER_LIMIT = 100_000;

/** A stored message as input for another session (the repository assigns seq and a fresh id). */
function asInput(message: SessionMessage): SessionMessageInput {
  const { id: _id, seq, session_id: _sid, ...rest } = message;
  return { ...rest, copied_seq: seq } as SessionMessageInput;
}

/** The conversation as plain text, the form a CLI takes it in as context for a fresh conversation. */
export function transcriptText(messages: readonly SessionMessage[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === "tool") continue;
    const label = m.role === "assistant" ? "Assistant" : m.role === "system" ? "System" : "User";
    const text = m.content.trim();
    if (text) lines.push(`${label}: ${text}`);
  }
  const text = lines.join("\n\n");
  return text.length <= CARRY_OVER_LIMIT ? text : text.slice(text.length - CARRY_OVER_LIMIT);
}

/** The prompt a CLI gets when it starts a fresh conversation that continues an earlier one. */
export function withCarryOver(carryOver: string, prompt: string): string {
  return [
    "Here is the conversation so far (continue it; do not repeat it):",
    "<conversation>",
    carryOver,
    "</conversation>",
    "",
    prompt,
  ].join("\n");
}

/**
 * A new session with a copy of `source`'s messages (all, or up to and including seq `upToSeq`), the same
 * agent and workdir, and the way to continue it in the CLI. Returns the new session.
 */
export async function copySession(
  sessions: SessionRepository,
  source: SessionRecord,
  options: { reason: CopyReason; upToSeq?: number; id?: string; now: string },
): Promise<SessionRecord> {
  const all = await sessions.transcript(source.id);
  const messages = options.upToSeq === undefined ? all : all.filter((m) => m.seq <= options.upToSeq!);
  const created = await sessions.create({
    ...(options.id === undefined ? {} : { id: options.id }),
    agent_id: source.agent_id,
    agent_source: source.agent_source,
    workspace_path: source.workspace_path,
    workdir: source.workdir,
    ...(source.executor_type === undefined ? {} : { executor_type: source.executor_type }),
    title: source.title,
  });
  if (messages.length > 0) await sessions.appendMessages(created.id, messages.map(asInput));
  // Both sides of a fork leave the CLI conversation they shared as it was: the source's next run forks
  // it too (where the CLI can), else its later turns would show up in the fork's first run.
  if (options.reason === "fork" && source.native_session_id) {
    await sessions.update(source.id, { fork_on_resume: true });
  }
  const archived = options.reason === "reset" || options.reason === "compact";
  // A whole copy can fork the CLI's own conversation; a partial one can only be told what was said.
  const nativeFork = options.reason === "fork" && source.native_session_id ? source.native_session_id : null;
  return sessions.update(created.id, {
    [archived ? "archived_from" : `${options.reason}ed_from`]: {
      session_id: source.id,
      at: options.now,
      ...(options.upToSeq === undefined ? {} : { message_seq: options.upToSeq }),
      ...(archived ? { reason: options.reason } : {}),
    },
    // An archive keeps the CLI session it had (it can still be resumed); a fork or branch starts its own.
    ...(archived
      ? {
          native_session_id: source.native_session_id ?? null,
          tokens: source.tokens,
          cost_cents: source.cost_cents,
          archived: true,
        }
      : {
          fork_native_session_id: nativeFork,
          carry_over: messages.length > 0 ? transcriptText(messages) : null,
        }),
  });
}

/** A branch point: an existing message's seq (OpenVesper's 0-based messageIndex is converted by callers). */
export async function checkBranchPoint(sessions: SessionRepository, sid: string, seq: number): Promise<void> {
  const messages = await sessions.transcript(sid);
  if (!messages.some((m) => m.seq === seq)) {
    throw invalid("message_seq", `session '${sid}' has no message ${seq} (it has ${messages.length})`, {
      session_id: sid,
    });
  }
}

/** Fields that tie a session to a CLI conversation; cleared when the gateway's transcript is rewritten. */
const CLI_STATE = {
  native_session_id: null,
  fork_native_session_id: null,
  fork_on_resume: null,
  native_usage: null,
} as const;

/**
 * Clears the conversation and keeps the session (its id, key and agent); the old transcript goes to an
 * archived session, listed in `archives`. Returns the live session and the archive.
 */
export async function resetSession(
  sessions: SessionRepository,
  sid: string,
  now: string,
): Promise<{ session: SessionRecord; archive: SessionRecord }> {
  const source = await sessions.get(sid);
  const archive = await copySession(sessions, source, { reason: "reset", now });
  await sessions.clearMessages(sid);
  const session = await sessions.update(sid, {
    ...CLI_STATE,
    carry_over: null,
    tokens: { input: 0, output: 0 },
    cost_cents: 0,
    archives: [...archivesOf(source), { session_id: archive.id, reason: "reset", at: now }],
  });
  return { session, archive };
}

/**
 * Replaces the messages up to `throughSeq` by `summary` (stored as a user message marked
 * `compaction_summary`, so native agents send it to the model), keeping the newer ones after it. The
 * transcript before is archived first. Refused when the conversation changed since `throughSeq` was
 * chosen (`expectLastSeq`), so nothing said meanwhile is lost.
 */
export async function replaceWithSummary(
  sessions: SessionRepository,
  sid: string,
  input: { summary: string; throughSeq: number; expectLastSeq: number; now: string },
): Promise<{ session: SessionRecord; archive: SessionRecord; kept: number }> {
  const source = await sessions.get(sid);
  const messages = await sessions.transcript(sid);
  if ((messages.at(-1)?.seq ?? 0) !== input.expectLastSeq) {
    throw conflict("SESSION_CHANGED", `session '${sid}' changed while it was being compacted; try again`, {
      session_id: sid,
    });
  }
  const archive = await copySession(sessions, source, { reason: "compact", now: input.now });
  const kept = messages.filter((m) => m.seq > input.throughSeq);
  await sessions.clearMessages(sid);
  const summary: SessionMessageInput = {
    role: "user",
    content: `Summary of the earlier conversation:\n${input.summary}`,
    compaction_summary: true,
  } as SessionMessageInput;
  const live = await sessions.appendMessages(sid, [summary, ...kept.map(asInput)]);
  const session = await sessions.update(sid, {
    ...CLI_STATE,
    carry_over: transcriptText(live),
    archives: [...archivesOf(source), { session_id: archive.id, reason: "compact", at: input.now }],
    compactions: [
      ...listOf(source.compactions),
      { at: input.now, summarized: messages.length - kept.length, kept: kept.length, archive: archive.id },
    ],
  });
  return { session, archive, kept: kept.length };
}

/**
 * Hands the session to another agent. The same executor keeps its CLI conversation; another one gets
 * the transcript as context on its first run.
 */
export async function switchSessionAgent(
  sessions: SessionRepository,
  sid: string,
  agent: { id: string; source: "global" | "workspace"; executorType: string },
): Promise<SessionRecord> {
  const before = await sessions.get(sid);
  const session = await sessions.reassignAgent(sid, {
    agent_id: agent.id,
    agent_source: agent.source,
    executor_type: agent.executorType,
  });
  if (before.executor_type === agent.executorType) return session;
  const messages = await sessions.transcript(sid);
  return sessions.update(sid, {
    ...CLI_STATE,
    carry_over: messages.length > 0 ? transcriptText(messages) : null,
  });
}

function archivesOf(session: SessionRecord): unknown[] {
  return listOf(session.archives);
}

function listOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
