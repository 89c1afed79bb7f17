import { LRUCache } from "lru-cache";
import { type AppendLog, checkLimit, readAll } from "./append-log.js";
import type { WriteOptions } from "./documents.js";
import { conflict, invalid, notFound, StorageError } from "./errors.js";
import type { HistoryRecord, HistoryRepository } from "./history.js";
import { HISTORY_STATUSES } from "./history.js";
import { assertValidId } from "./ids.js";
import { KeyedMutex } from "./lock.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import {
  type CreateSessionInput,
  CreateSessionSchema,
  MessageInputSchema,
  type SessionMessage,
  type SessionMessageInput,
  SessionMessageSchema,
  SessionMetaSchema,
  type SessionRecord,
  type Tokens,
  TokensSchema,
} from "./session-schemas.js";
import { toUiBlocks, toUiMessages, type UiBlock, type UiMessage } from "./ui-messages.js";
import { parseInput } from "./validate.js";
import { patchedObject } from "./yaml.js";
import { z } from "./zod.js";

export type { SessionMessage, SessionMessageInput, SessionRecord } from "./session-schemas.js";
export type { UiBlock, UiMessage, UiToolCall } from "./ui-messages.js";

export const SESSIONS_BASE = "sessions";
export const TITLE_LENGTH = 80;
const metaKey = (sid: string) => `${SESSIONS_BASE}:${sid}:session.yaml`;
export const messagesKey = (sid: string) => `${SESSIONS_BASE}:${sid}:messages.jsonl`;

/** Fields the repository maintains itself; a patch may not touch them. */
const MANAGED_FIELDS = ["id", "agent_id", "created_at", "message_count"] as const;
// How many sessions keep their last seq in memory (a cache: the log's last record is the truth).
const SEQ_CACHE_SIZE = 1000;

export interface SessionRepositoryOptions {
  /** The global scope: metadata lives in its document store (`sessions/<sid>/session.yaml`). */
  scope: Scope;
  /** Message logs; the fs driver is rooted at the same directory as the global scope. */
  log: AppendLog;
  /** Receives a summary of every finished run. */
  history: HistoryRepository;
  now?: () => Date;
  newId?: () => string;
}

export interface ListSessionsOptions {
  agent_id?: string;
  workspace_path?: string;
  limit?: number;
}

export interface MessagePage {
  messages: SessionMessage[];
  /** `after` for newer messages. */
  next_cursor?: string;
  /** `before` for older messages. */
  prev_cursor?: string;
}

/**
 * A metadata patch: shallow (`null` deletes a key, unknown keys are kept). `add_tokens` and
 * `add_cost_cents` are increments applied inside the same serialised read-modify-write.
 */
export type SessionPatch = Record<string, unknown> & { add_tokens?: Tokens; add_cost_cents?: number };

const IncrementsSchema = z.object({
  add_tokens: TokensSchema.optional(),
  add_cost_cents: z.number().nonnegative().optional(),
});

export const RunOutcomeSchema = z.object({
  run_id: z.string().min(1),
  status: z.enum(HISTORY_STATUSES),
  prompt: z.string(),
  /** The full response text; history keeps a preview. */
  response: z.string().default(""),
  tokens: TokensSchema.default({ input: 0, output: 0 }),
  cost_cents: z.number().nonnegative().default(0),
  error: z.string().optional(),
  exit_code: z.number().int().nullable().optional(),
});

export type RunOutcome = z.input<typeof RunOutcomeSchema>;

/** Pending metadata changes from appends, written together (see bumpMeta). */
interface MetaBump {
  lastSeq: number;
  lastActivity: string;
  title?: string;
}

/** First user message as a title: whitespace collapsed, at most 80 characters. */
export function titleFrom(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= TITLE_LENGTH ? chars.join("") : chars.slice(0, TITLE_LENGTH).join("").trimEnd();
}

/**
 * Agent sessions: metadata as a record (JSON, which is YAML: DocumentStore.updateRecord) in the global
 * scope, messages in an append-only log next to it, so appending a message never rewrites the conversation.
 */
export class SessionRepository {
  private readonly scope: Scope;
  private readonly log: AppendLog;
  private readonly history: HistoryRepository;
  private readonly now: () => Date;
  private readonly newId: () => string;
  // Serialises seq assignment + append per session, and delete against them.
  private readonly appends = new KeyedMutex();
  private readonly metaWrites = new KeyedMutex();
  private readonly lastSeqs = new LRUCache<string, number>({ max: SEQ_CACHE_SIZE });
  private readonly pendingMeta = new Map<string, MetaBump>();

  constructor(options: SessionRepositoryOptions) {
    this.scope = options.scope;
    this.log = options.log;
    this.history = options.history;
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  async create(input: CreateSessionInput): Promise<SessionRecord> {
    const { id, meta } = this.newMeta(input);
    const stored = await this.scope.store.createRecordIfAbsent(metaKey(id), meta);
    if (!stored) throw conflict("SESSION_EXISTS", `session '${id}' already exists`, { session_id: id });
    return this.parseMeta(id, stored.data);
  }

  /**
   * A new session, checked and given its id but not stored yet: a run stores it together with its own start
   * (beginRun's `created`), while its process starts, rather than in a write of its own before.
   */
  draft(input: CreateSessionInput): SessionRecord {
    const { id, meta } = this.newMeta(input);
    return this.parseMeta(id, meta);
  }

  private newMeta(input: CreateSessionInput): { id: string; meta: Record<string, unknown> } {
    if (input.id !== undefined) assertValidId(input.id, "id");
    const fields = parseInput(CreateSessionSchema, input);
    const id = fields.id ?? this.newId();
    const now = this.now().toISOString();
    const meta: Record<string, unknown> = {
      id,
      agent_id: fields.agent_id,
      agent_source: fields.agent_source,
      workspace_path: fields.workspace_path,
      workdir: fields.workdir,
      ...(fields.executor_type === undefined ? {} : { executor_type: fields.executor_type }),
      ...(fields.native_session_id === undefined ? {} : { native_session_id: fields.native_session_id }),
      title: titleFrom(fields.title ?? fields.prompt ?? ""),
      ...(fields.prompt === undefined ? {} : { prompt: fields.prompt }),
      ...(fields.task_id === undefined ? {} : { task_id: fields.task_id }),
      ...(fields.metadata === undefined ? {} : { metadata: fields.metadata }),
      status: "idle",
      created_at: now,
      last_activity: now,
      message_count: 0,
      tokens: { input: 0, output: 0 },
      cost_cents: 0,
    };
    return { id, meta };
  }

  async find(sid: string): Promise<SessionRecord | null> {
    assertValidId(sid, "session_id");
    const stored = await this.scope.store.read(metaKey(sid));
    return stored ? this.parseMeta(sid, stored.data) : null;
  }

  async get(sid: string): Promise<SessionRecord> {
    const meta = await this.find(sid);
    if (!meta) throw sessionNotFound(sid);
    return meta;
  }

  /** Sessions matching the filters, most recently active first (reads every session's metadata). */
  async list(options: ListSessionsOptions = {}): Promise<SessionRecord[]> {
    const limit = options.limit === undefined ? undefined : checkLimit(options.limit);
    const ids = (await this.scope.store.keys(SESSIONS_BASE))
      .map((k) => /^([^:]+):session\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    // A session whose file is broken is left out of listings (get() reports it).
    const loaded = await Promise.all(ids.map((id) => this.find(id).catch(() => null)));
    const sessions = loaded
      .filter((s): s is SessionRecord => s !== null)
      .filter((s) => options.agent_id === undefined || s.agent_id === options.agent_id)
      .filter((s) => options.workspace_path === undefined || s.workspace_path === options.workspace_path)
      .sort((a, b) => activityTime(b) - activityTime(a) || (a.id < b.id ? -1 : 1));
    return limit === undefined ? sessions : sessions.slice(0, limit);
  }

  /** Applies a SessionPatch; the result must still be valid. Serialised per session by the document store. */
  async update(sid: string, patch: SessionPatch): Promise<SessionRecord> {
    assertValidId(sid, "session_id");
    for (const field of MANAGED_FIELDS) {
      if (patch[field] !== undefined) throw invalid(field, "cannot be changed");
    }
    const { add_tokens, add_cost_cents, ...rest } = patch;
    const increments = parseInput(IncrementsSchema, { add_tokens, add_cost_cents });
    return this.mutateMeta(sid, (current) => ({
      ...rest,
      ...(increments.add_tokens ? { tokens: addTokens(current.tokens, increments.add_tokens) } : {}),
      ...(increments.add_cost_cents ? { cost_cents: current.cost_cents + increments.add_cost_cents } : {}),
    }));
  }

  /** Deletes the metadata, the message log and anything else under the session's directory. */
  async delete(sid: string): Promise<void> {
    await this.get(sid);
    await this.appends.run(sid, async () => {
      // The log goes first: a crash in between leaves metadata without messages, never orphaned messages.
      await this.log.remove(messagesKey(sid));
      const prefix = `${SESSIONS_BASE}:${sid}`;
      const keys = (await this.scope.store.keys(prefix)).map((k) => `${prefix}:${k}`);
      await this.scope.store.remove([...keys.filter((k) => k !== metaKey(sid)), metaKey(sid)]);
      this.lastSeqs.delete(sid);
      this.pendingMeta.delete(sid);
    });
  }

  /**
   * Empties the conversation: the message log goes, the metadata stays with message_count 0, and the next
   * message starts again at seq 1. Returns how many messages there were.
   */
  async clearMessages(sid: string): Promise<number> {
    const before = await this.get(sid);
    await this.appends.run(sid, async () => {
      await this.log.remove(messagesKey(sid));
      this.lastSeqs.delete(sid);
      this.pendingMeta.delete(sid);
    });
    await this.metaWrites.run(sid, () => this.mutateMeta(sid, () => ({ message_count: 0 })));
    return before.message_count;
  }

  /**
   * Appends messages in order, assigning `seq` (1, 2, … per session), `session_id`, and an id and
   * timestamp where missing. The log append is O(1); the metadata (message_count, last_activity, title)
   * is updated once per batch, and concurrent batches share one metadata write.
   */
  async appendMessages(sid: string, inputs: readonly SessionMessageInput[]): Promise<SessionMessage[]> {
    assertValidId(sid, "session_id");
    const parsed = inputs.map((m, i) => parseInput(MessageInputSchema, m, `messages.${i}`));
    if (parsed.length === 0) {
      await this.get(sid);
      return [];
    }
    const { messages, bump } = await this.appendToLog(sid, parsed);
    await this.bumpMeta(sid, bump);
    return messages;
  }

  /**
   * A run's start with the message that starts it: the message is appended, then one metadata write marks
   * the run (status running, last_run) and counts the message (instead of one write for each). With
   * `created` (a draft), the session is new: it is stored in that same write.
   */
  async beginRun(
    sid: string,
    runId: string,
    inputs: readonly SessionMessageInput[],
    created?: SessionRecord,
  ): Promise<SessionRecord> {
    assertValidId(sid, "session_id");
    if (typeof runId !== "string" || runId.length === 0)
      throw invalid("run_id", "must be a non-empty string");
    const parsed = inputs.map((m, i) => parseInput(MessageInputSchema, m, `messages.${i}`));
    if (created) return this.createRunning(sid, created, runId, parsed);
    const appended = parsed.length > 0 ? await this.appendToLog(sid, parsed) : undefined;
    const now = this.now().toISOString();
    const bump = appended?.bump;
    // Not fsync'd: the message log is, and after a power loss the run registry marks the run interrupted.
    return this.mutateMeta(
      sid,
      (current) => ({
        status: "running",
        last_activity: now,
        last_run: { run_id: runId, status: "running", started_at: now },
        ...(bump ? { message_count: Math.max(current.message_count ?? 0, bump.lastSeq) } : {}),
        ...(bump?.title && !current.title ? { title: bump.title } : {}),
      }),
      { durable: false },
    );
  }

  /**
   * Stores a drafted session with its first run started: its messages and its metadata (counting them, in
   * one write) side by side. A log without metadata is never listed; a count ahead of a log whose append
   * failed is set right by the next append (counts follow the log's last seq).
   */
  private async createRunning(
    sid: string,
    draft: SessionRecord,
    runId: string,
    parsed: SessionMessageInput[],
  ): Promise<SessionRecord> {
    if (draft.id !== sid)
      throw invalid("session_id", "does not match the drafted session", { session_id: sid });
    const now = this.now().toISOString();
    const messages = this.numbered(sid, parsed, 0, now);
    const appended = this.appends.run(sid, async () => {
      if (messages.length > 0) await this.log.append(messagesKey(sid), messages);
      this.rememberSeq(sid, messages.length);
    });
    const created = this.scope.store.createRecordIfAbsent(metaKey(sid), {
      ...draft,
      title: draft.title || firstUserTitle(messages) || "",
      status: "running",
      last_activity: now,
      last_run: { run_id: runId, status: "running", started_at: now },
      message_count: messages.length,
    });
    // Two files, each flushed, side by side: a queued run's start waits for both.
    const [, stored] = await Promise.all([appended, created]);
    if (!stored) throw conflict("SESSION_EXISTS", `session '${sid}' already exists`, { session_id: sid });
    return this.parseMeta(sid, stored.data);
  }

  private numbered(sid: string, parsed: SessionMessageInput[], after: number, now: string): SessionMessage[] {
    let seq = after;
    return parsed.map((m) => ({
      ...m,
      id: m.id ?? this.newId(),
      seq: ++seq,
      session_id: sid,
      timestamp: m.timestamp ?? now,
    }));
  }

  /** Appends parsed messages under the session's append lock, numbering them after the last one. */
  private async appendToLog(
    sid: string,
    parsed: SessionMessageInput[],
  ): Promise<{ messages: SessionMessage[]; bump: MetaBump }> {
    const now = this.now().toISOString();
    const messages = await this.appends.run(sid, async () => {
      await this.get(sid);
      const batch = this.numbered(sid, parsed, await this.lastSeq(sid), now);
      await this.log.append(messagesKey(sid), batch);
      this.rememberSeq(sid, batch.at(-1)!.seq);
      return batch;
    });
    const title = firstUserTitle(messages);
    return {
      messages,
      bump: { lastSeq: messages.at(-1)!.seq, lastActivity: now, ...(title ? { title } : {}) },
    };
  }

  /** A page of messages: the newest `limit` (before `before`), or the oldest `limit` after `after`. */
  async listMessages(
    sid: string,
    options: { limit?: number; before?: string; after?: string } = {},
  ): Promise<MessagePage> {
    if (options.before !== undefined && options.after !== undefined)
      throw invalid("cursor", "pass either before or after, not both");
    await this.get(sid);
    const limit = options.limit ?? 50;
    const key = messagesKey(sid);
    const page =
      options.after !== undefined
        ? await this.log.readFrom(key, { limit, after: options.after })
        : await this.log.readTail(key, {
            limit,
            ...(options.before === undefined ? {} : { before: options.before }),
          });
    const result: MessagePage = { messages: page.records.flatMap((r) => parseMessage(r)) };
    if (page.next_cursor) result.next_cursor = page.next_cursor;
    if (page.prev_cursor) result.prev_cursor = page.prev_cursor;
    return result;
  }

  /** The whole conversation as user/assistant turns with tool results folded in (reads the whole log). */
  async uiMessages(sid: string): Promise<UiMessage[]> {
    return toUiMessages(await this.allMessages(sid));
  }

  /** The whole conversation as the original Viben's typed blocks (reads the whole log). */
  async uiBlocks(sid: string): Promise<UiBlock[]> {
    return toUiBlocks(await this.allMessages(sid));
  }

  /** Every message of the conversation, oldest first (reads the whole log). */
  async transcript(sid: string): Promise<SessionMessage[]> {
    return this.allMessages(sid);
  }

  /**
   * Hands the session to another agent (OpenVesper's agent switch): agent_id is managed, so it changes only
   * here, together with where the agent lives and how it runs.
   */
  async reassignAgent(
    sid: string,
    agent: { agent_id: string; agent_source: "global" | "workspace"; executor_type?: string },
  ): Promise<SessionRecord> {
    assertValidId(agent.agent_id, "agent_id");
    return this.mutateMeta(sid, () => ({
      agent_id: agent.agent_id,
      agent_source: agent.agent_source,
      executor_type: agent.executor_type ?? null,
    }));
  }

  private async allMessages(sid: string): Promise<SessionMessage[]> {
    await this.get(sid);
    const messages: SessionMessage[] = [];
    for await (const page of readAll(this.log, messagesKey(sid))) {
      for (const record of page) messages.push(...parseMessage(record));
    }
    return messages;
  }

  /** Marks a run as started: status running, last_run {run_id, status: running, started_at}. */
  async startRun(sid: string, runId: string): Promise<SessionRecord> {
    assertValidId(sid, "session_id");
    if (typeof runId !== "string" || runId.length === 0)
      throw invalid("run_id", "must be a non-empty string");
    const now = this.now().toISOString();
    // Not fsync'd: after a power loss the run registry marks the run interrupted either way.
    return this.mutateMeta(
      sid,
      () => ({
        status: "running",
        last_activity: now,
        last_run: { run_id: runId, status: "running", started_at: now },
      }),
      { durable: false },
    );
  }

  /**
   * Records the end of a run: the session goes idle, tokens and cost accumulate, last_run is completed,
   * and a summary is added to the agent's history.
   */
  async finishRun(
    sid: string,
    outcome: RunOutcome,
    /** Other metadata the run leaves (the CLI's own session id), saved in the same write. */
    meta: Record<string, unknown> = {},
  ): Promise<{ session: SessionRecord; history: HistoryRecord }> {
    assertValidId(sid, "session_id");
    const run = parseInput(RunOutcomeSchema, outcome);
    const ended = this.now();
    let history: Promise<HistoryRecord> | undefined;
    const session = await this.mutateMeta(sid, (current) => {
      const startedAt =
        current.last_run?.run_id === run.run_id ? current.last_run.started_at : ended.toISOString();
      // The history line is appended while the metadata is written (two fsyncs side by side, not one
      // after the other): both are on disk when this resolves.
      history ??= this.addHistory(sid, current.agent_id, run, startedAt, ended);
      history.catch(() => {});
      return {
        ...meta,
        status: "idle",
        last_activity: ended.toISOString(),
        tokens: addTokens(current.tokens, run.tokens),
        cost_cents: current.cost_cents + run.cost_cents,
        last_run: {
          run_id: run.run_id,
          status: run.status,
          started_at: startedAt,
          ended_at: ended.toISOString(),
          // The last run's usage is the best measure of how full the context window is (GET …/tokens).
          tokens: run.tokens,
          ...(run.error === undefined ? {} : { error: run.error }),
          ...(run.exit_code === undefined ? {} : { exit_code: run.exit_code }),
        },
      };
    });
    return { session, history: await history! };
  }

  private addHistory(
    sid: string,
    agentId: string,
    run: ReturnType<typeof RunOutcomeSchema.parse>,
    startedAt: string,
    ended: Date,
  ): Promise<HistoryRecord> {
    const started = Date.parse(startedAt);
    return this.history.add({
      agent_id: agentId,
      session_id: sid,
      run_id: run.run_id,
      prompt: run.prompt,
      response: run.response,
      status: run.status,
      tokens: run.tokens,
      cost_cents: run.cost_cents,
      created_at: startedAt,
      ...(Number.isNaN(started) ? {} : { duration_ms: Math.max(0, ended.getTime() - started) }),
    });
  }

  /**
   * After a restart no run is alive: sessions still marked running are set idle with their last run
   * failed. Returns how many were fixed.
   */
  async recoverInterrupted(liveElsewhere?: (sessionId: string) => Promise<boolean>): Promise<number> {
    const sessions = await this.list();
    const now = this.now().toISOString();
    let fixed = 0;
    for (const session of sessions.filter((s) => s.status === "running")) {
      // Several instances share the sessions: a run another live instance is running is not ours to end.
      if (await liveElsewhere?.(session.id)) continue;
      await this.mutateMeta(session.id, (current) => ({
        status: "idle",
        ...(current.last_run?.status === "running"
          ? {
              last_run: {
                ...current.last_run,
                status: "failed",
                ended_at: now,
                error: "interrupted: the gateway stopped before the run finished",
              },
            }
          : {}),
      }));
      fixed++;
    }
    return fixed;
  }

  /** Read-modify-write of the metadata; `patchFor` sees the current value. Validates the result. */
  private async mutateMeta(
    sid: string,
    patchFor: (current: SessionRecord) => Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<SessionRecord> {
    const key = metaKey(sid);
    const stored = await this.scope.store.updateRecord(
      key,
      (current) => {
        if (!current) throw sessionNotFound(sid);
        const next = patchedObject(current, patchFor(this.parseMeta(sid, current)));
        const check = SessionMetaSchema.safeParse(next);
        if (!check.success) {
          const { issues } = describeIssues(check.error);
          throw invalid(issues[0]!.path, issues[0]!.message, { session_id: sid });
        }
        return next;
      },
      options,
    );
    return this.parseMeta(sid, stored!.data);
  }

  /**
   * Merges this batch's changes into the pending ones and writes them; a batch that finds its changes
   * already taken by a write in progress waits for that write. Either way, once this resolves the
   * metadata includes the batch. message_count is set from the last seq (not incremented), so a lost or
   * repeated write cannot make it drift.
   */
  private async bumpMeta(sid: string, bump: MetaBump): Promise<void> {
    this.mergePending(sid, bump);
    await this.metaWrites.run(sid, async () => {
      const pending = this.pendingMeta.get(sid);
      if (!pending) return;
      this.pendingMeta.delete(sid);
      try {
        await this.scope.store.updateRecord(
          metaKey(sid),
          (current) => {
            if (!current) return null; // deleted meanwhile: do not resurrect it
            const count = typeof current.message_count === "number" ? current.message_count : 0;
            // Not fsync'd: the count comes back from the message log's last seq, and the log is fsync'd.
            return patchedObject(current, {
              message_count: Math.max(count, pending.lastSeq),
              last_activity: pending.lastActivity,
              title: !current.title && pending.title ? pending.title : undefined,
            });
          },
          { durable: false },
        );
      } catch (error) {
        this.mergePending(sid, pending);
        throw error;
      }
    });
  }

  private mergePending(sid: string, bump: MetaBump): void {
    const pending = this.pendingMeta.get(sid);
    if (!pending) {
      this.pendingMeta.set(sid, { ...bump });
      return;
    }
    pending.lastSeq = Math.max(pending.lastSeq, bump.lastSeq);
    if (bump.lastActivity > pending.lastActivity) pending.lastActivity = bump.lastActivity;
    pending.title ??= bump.title;
  }

  /** The seq of the last message: cached, else read from the log's tail (O(1)), so restarts continue it. */
  private async lastSeq(sid: string): Promise<number> {
    const cached = this.lastSeqs.get(sid);
    if (cached !== undefined) return cached;
    const tail = await this.log.readTail(messagesKey(sid), { limit: 1 });
    const seq = tail.records[0]?.seq;
    return typeof seq === "number" && Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
  }

  private rememberSeq(sid: string, seq: number): void {
    this.lastSeqs.set(sid, seq);
  }

  private parseMeta(sid: string, data: Record<string, unknown>): SessionRecord {
    // The directory name is the id (a copied directory or a hand-written file may say otherwise).
    const parsed = SessionMetaSchema.safeParse({ ...data, id: sid });
    if (!parsed.success) {
      const { message } = describeIssues(parsed.error);
      throw new StorageError("corrupt", "INVALID_SESSION", `${metaKey(sid)}: ${message}`, {
        session_id: sid,
      });
    }
    return parsed.data;
  }
}

function sessionNotFound(sid: string): StorageError {
  return notFound("SESSION_NOT_FOUND", `session '${sid}' not found`, { session_id: sid });
}

/** A stored message, or nothing for a line that does not match the schema (skipped like a torn line). */
function parseMessage(record: Record<string, unknown>): SessionMessage[] {
  const parsed = SessionMessageSchema.safeParse(record);
  return parsed.success ? [parsed.data] : [];
}

/** The title the first user message with text gives, if any. */
function firstUserTitle(messages: readonly SessionMessage[]): string | undefined {
  return messages
    .filter((m) => m.role === "user")
    .map((m) => titleFrom(m.content))
    .find((t) => t.length > 0);
}

function addTokens(a: Tokens, b: Tokens): Tokens {
  return { input: a.input + b.input, output: a.output + b.output };
}

function activityTime(session: SessionRecord): number {
  const time = Date.parse(session.last_activity);
  return Number.isNaN(time) ? 0 : time;
}
