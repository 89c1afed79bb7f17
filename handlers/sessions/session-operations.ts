/*
 * The session operations behind both spellings: OpenVesper's `/sessions/:key/...` (camelCase, keyed by
 * sessionKey) and our `/api/sessions/:id/...`. Route files only parse and shape; everything they do is here.
 */

import { canonicalExecutorId } from "../../storage/executor-types.js";
import { BUILTIN_MODELS } from "../../storage/model-catalogue.js";
import { readModelsFile } from "../../storage/models-file.js";
import { findRunnableAgent } from "../../storage/rules/run-requests.js";
import { bindSessionKey, resolveSessionKey, sessionKeysBySession } from "../../storage/session-keys.js";
import {
  checkBranchPoint,
  copySession,
  replaceWithSummary,
  resetSession,
  switchSessionAgent,
  transcriptText,
} from "../../storage/session-ops.js";
import { parseQueueMode, type QueueMode, queueModeOf } from "../../storage/session-queue-mode.js";
import type { SessionMessage, SessionRecord } from "../../storage/sessions.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { requireCapability } from "../lib/capability-guard.js";
import { requireSessions } from "../runs/run-requests.js";
import { refuseWhileRunning } from "./session-views.js";

/** Fill of the context window from which a compaction is advised. */
const AUTO_COMPACT_FILL = 0.8;
/** OpenVesper keeps the newest 10 messages out of a compaction unless told otherwise. */
export const DEFAULT_KEEP_RECENT = 10;

const now = (services: Services) => services.clock.now().toISOString();

/** The session a key (or id) names; 404 when there is none. */
export async function sessionByKey(services: Services, key: string): Promise<SessionRecord> {
  const { sessions } = requireSessions(services);
  const resolved = await resolveSessionKey({ scope: services.scopes.global(), sessions }, key);
  const session = resolved ? await sessions.find(resolved.sessionId) : null;
  if (!session) {
    throw new ApiError(404, "SESSION_NOT_FOUND", `session '${key}' not found`, { session_key: key });
  }
  return session;
}

/** The key each session is known by (its own id when no key was given). */
export async function sessionKeys(services: Services): Promise<(session: SessionRecord) => string> {
  const keys = await sessionKeysBySession(services.scopes.global());
  return (session) => keys.get(session.id) ?? session.id;
}

/** A copy of the whole conversation as a new session (Claude Code sessions fork the CLI's own too). */
export async function forkSession(
  services: Services,
  key: string,
  options: { newKey?: string; upToSeq?: number },
): Promise<SessionRecord> {
  const { sessions } = requireSessions(services);
  const source = await sessionByKey(services, key);
  if (options.newKey !== undefined) await refuseTakenKey(services, options.newKey);
  if (options.upToSeq !== undefined) await checkBranchPoint(sessions, source.id, options.upToSeq);
  const copy = await copySession(sessions, source, {
    reason: options.upToSeq === undefined ? "fork" : "branch",
    upToSeq: options.upToSeq,
    now: now(services),
  });
  if (options.newKey !== undefined) await bindSessionKey(services.scopes.global(), options.newKey, copy.id);
  return copy;
}

/** OpenVesper's 0-based messageIndex as our message seq (the index-th message of the transcript). */
export async function seqAtIndex(services: Services, session: SessionRecord, index: number): Promise<number> {
  const { sessions } = requireSessions(services);
  const messages = await sessions.transcript(session.id);
  const message = messages[index];
  if (!message) {
    throw new ApiError(
      400,
      "VALIDATION_ERROR",
      `messageIndex: must be between 0 and ${messages.length - 1} (the session has ${messages.length} messages)`,
      { field: "messageIndex" },
    );
  }
  return message.seq;
}

export async function resetConversation(services: Services, key: string) {
  const { sessions } = requireSessions(services);
  const session = await sessionByKey(services, key);
  refuseWhileRunning(services, session.id);
  return resetSession(sessions, session.id, now(services));
}

/** Switches the agent that answers; the agent is looked up where the session's workspace is. */
export async function switchAgent(services: Services, key: string, agentId: string): Promise<SessionRecord> {
  const { sessions } = requireSessions(services);
  const session = await sessionByKey(services, key);
  refuseWhileRunning(services, session.id);
  const agent = await findRunnableAgent(services, agentId, session.workspace_path);
  return switchSessionAgent(sessions, session.id, {
    id: agent.id,
    source: agent.scope.kind,
    executorType: agent.config.executor_type
      ? (canonicalExecutorId(agent.config.executor_type) ?? agent.config.executor_type)
      : "viben",
  });
}

export interface CompactResult {
  session: SessionRecord;
  compacted: boolean;
  summary?: string;
  summarized: number;
  kept: number;
  archiveId?: string;
  runId?: string;
}

/**
 * Summarises the messages older than the newest `keepRecent` with the session's own agent (an executor
 * agent runs with a summarise prompt; a native agent calls its model), then replaces them by the summary.
 * The summarising run gets a session of its own (removed afterwards), so the conversation being compacted
 * is not changed by it.
 */
export async function compactConversation(
  services: Services,
  key: string,
  options: { keepRecent: number; instructions?: string },
): Promise<CompactResult> {
  const { sessions } = requireSessions(services);
  const runs = requireCapability(services, "runs");
  const session = await sessionByKey(services, key);
  refuseWhileRunning(services, session.id);
  const messages = await sessions.transcript(session.id);
  const older = messages.slice(0, Math.max(0, messages.length - options.keepRecent));
  if (older.length === 0) {
    return { session, compacted: false, summarized: 0, kept: messages.length };
  }
  const agent = await findRunnableAgent(services, session.agent_id, session.workspace_path);
  const run = await runs.start({
    agent,
    prompt: summarisePrompt(older, options.instructions),
    workdir: session.workdir,
    source: "compact",
  });
  const outcome = await run.done;
  await sessions.delete(run.sessionId).catch(() => undefined);
  if (outcome.status !== "completed" || outcome.response.trim() === "") {
    throw new ApiError(
      502,
      "COMPACTION_FAILED",
      `the summary could not be made: ${outcome.error ?? "empty reply"}`,
      {
        session_id: session.id,
        run_id: outcome.runId,
      },
    );
  }
  const replaced = await replaceWithSummary(sessions, session.id, {
    summary: outcome.response.trim(),
    throughSeq: older.at(-1)!.seq,
    expectLastSeq: messages.at(-1)!.seq,
    now: now(services),
  });
  return {
    session: replaced.session,
    compacted: true,
    summary: outcome.response.trim(),
    summarized: older.length,
    kept: replaced.kept,
    archiveId: replaced.archive.id,
    runId: outcome.runId,
  };
}

function summarisePrompt(older: readonly SessionMessage[], instructions?: string): string {
  return [
    "Summarise the conversation below so that it can be continued from the summary alone. Keep every fact,",
    "decision, name, number and open question that matters; leave out pleasantries. Answer with the summary only.",
    ...(instructions ? ["", `Also: ${instructions}`] : []),
    "",
    "<conversation>",
    transcriptText(older),
    "</conversation>",
  ].join("\n");
}

export interface TokenReport {
  session: SessionRecord;
  messageCount: number;
  /** About four characters a token, over the live transcript. */
  estimatedTokens: number;
  usage: { input: number; output: number };
  /** What the last run read and wrote: the conversation as the model last saw it. */
  contextTokens: number | null;
  contextWindow: number | null;
  contextFill: number | null;
  model: string | null;
  shouldAutoCompact: boolean;
}

/** Usage recorded for the session and how full the model's context window is. */
export async function tokenReport(services: Services, key: string): Promise<TokenReport> {
  const { sessions } = requireSessions(services);
  const session = await sessionByKey(services, key);
  const messages = await sessions.transcript(session.id);
  const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
  const estimatedTokens = Math.ceil(chars / 4);
  const model = await sessionModel(services, session);
  const contextWindow = model ? await contextWindowOf(services, model) : null;
  const last = session.last_run?.tokens as { input?: unknown; output?: unknown } | undefined;
  const contextTokens =
    typeof last?.input === "number" && typeof last?.output === "number" ? last.input + last.output : null;
  const measured = contextTokens ?? estimatedTokens;
  const contextFill = contextWindow ? Math.min(1, measured / contextWindow) : null;
  return {
    session,
    messageCount: messages.length,
    estimatedTokens,
    usage: session.tokens,
    contextTokens,
    contextWindow,
    contextFill,
    model,
    shouldAutoCompact: contextFill !== null && contextFill >= AUTO_COMPACT_FILL,
  };
}

async function sessionModel(services: Services, session: SessionRecord): Promise<string | null> {
  try {
    const agent = await findRunnableAgent(services, session.agent_id, session.workspace_path);
    return agent.config.model ?? null;
  } catch {
    return null; // the agent was deleted: usage is still worth answering
  }
}

/** The model's context window: the global models.yaml first, then the built-in catalogue. */
async function contextWindowOf(services: Services, model: string): Promise<number | null> {
  const listed = (await readModelsFile(services.scopes.global()))?.find((m) => m.id === model);
  if (listed?.context_window) return listed.context_window;
  const builtin = BUILTIN_MODELS.find((m) => m.id === model);
  return builtin?.context_window ?? null;
}

export interface QueueReport {
  session: SessionRecord;
  mode: QueueMode;
  running: boolean;
  runId: string | null;
  pending: Array<{ message: string; source: string; enqueuedAt: string }>;
}

export async function queueReport(services: Services, key: string): Promise<QueueReport> {
  const session = await sessionByKey(services, key);
  const running = services.runs?.isRunning(session.id) ?? false;
  return {
    session,
    mode: queueModeOf(session),
    running,
    runId: running ? (session.last_run?.run_id ?? null) : null,
    pending: services.runs?.pending?.(session.id) ?? [],
  };
}

export async function setQueueMode(services: Services, key: string, mode: unknown): Promise<QueueReport> {
  const { sessions } = requireSessions(services);
  const parsed = parseQueueMode(mode);
  const session = await sessionByKey(services, key);
  await sessions.update(session.id, { queue_mode: parsed });
  return queueReport(services, session.id);
}

async function refuseTakenKey(services: Services, key: string): Promise<void> {
  const { sessions } = requireSessions(services);
  const taken = await resolveSessionKey({ scope: services.scopes.global(), sessions }, key);
  if (taken) {
    throw new ApiError(409, "SESSION_EXISTS", `session key '${key}' is already in use`, {
      session_key: key,
      session_id: taken.sessionId,
    });
  }
}
