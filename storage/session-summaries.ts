/*
 * What a list of conversations shows of each agent session (title, last activity, a preview of the last
 * message, the message count) without reading transcripts per request. The summaries are a cached scan:
 * kept while the document store's `sessions` generation stays the same (every metadata write and, through
 * the watcher, every log append bumps it); after a change only sessions whose metadata changed are
 * re-parsed, and a preview is re-read (the log's tail, a few lines) only when the message count moved.
 */

import type { Scope } from "./scopes.js";
import { SessionMetaSchema, type SessionRecord } from "./session-schemas.js";
import { SESSIONS_BASE, type SessionRepository } from "./sessions.js";

export const PREVIEW_LENGTH = 140;
// How many of the newest messages are looked at for a preview (tool output is skipped if text is near).
const PREVIEW_WINDOW = 8;
// Sessions read at once while (re)building: bounded, so a cold scan of thousands does not open them all.
const READ_CONCURRENCY = 32;

export interface LastMessage {
  role: string;
  /** The message text, whitespace collapsed, at most PREVIEW_LENGTH characters. */
  preview: string;
  timestamp: string;
  seq: number;
}

export interface SessionSummary {
  record: SessionRecord;
  /** The newest user or assistant message with text (else the newest message), when there is one. */
  last_message?: LastMessage;
}

interface Entry {
  data: Record<string, unknown>;
  summary: SessionSummary;
}

/** Text as a one-line preview: whitespace collapsed, cut at PREVIEW_LENGTH characters. */
export function previewOf(text: string): string {
  const chars = Array.from(text.replace(/\s+/g, " ").trim());
  return chars.length <= PREVIEW_LENGTH ? chars.join("") : `${chars.slice(0, PREVIEW_LENGTH - 1).join("")}…`;
}

export class SessionSummaries {
  private readonly entries = new Map<string, Entry>();
  private snapshot:
    | { generation: number; list: SessionSummary[]; byId: Map<string, SessionSummary> }
    | undefined;
  private building: Promise<SessionSummary[]> | undefined;

  constructor(
    private readonly scope: Scope,
    private readonly sessions: Pick<SessionRepository, "listMessages">,
  ) {}

  /** Every readable session's summary (no order promised). */
  async list(): Promise<SessionSummary[]> {
    const store = this.scope.store;
    const generation = store.generationOf(SESSIONS_BASE);
    if (store.cachesReads && this.snapshot?.generation === generation) return this.snapshot.list;
    // Concurrent callers share one rebuild; a change during it is seen by the next call.
    this.building ??= this.rebuild(generation).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** One session's summary by id (from the same snapshot). */
  async get(id: string): Promise<SessionSummary | undefined> {
    await this.list();
    return this.snapshot?.byId.get(id);
  }

  private async rebuild(generation: number): Promise<SessionSummary[]> {
    const ids = (await this.scope.store.keys(SESSIONS_BASE))
      .map((k) => /^([^:]+):session\.yaml$/.exec(k)?.[1])
      .filter((id): id is string => id !== undefined);
    const seen = new Set(ids);
    for (const id of this.entries.keys()) if (!seen.has(id)) this.entries.delete(id);
    for (let i = 0; i < ids.length; i += READ_CONCURRENCY) {
      await Promise.all(ids.slice(i, i + READ_CONCURRENCY).map((id) => this.refresh(id)));
    }
    const list = ids.flatMap((id) => {
      const entry = this.entries.get(id);
      return entry ? [entry.summary] : [];
    });
    this.snapshot = { generation, list, byId: new Map(list.map((s) => [s.record.id, s])) };
    return list;
  }

  private async refresh(id: string): Promise<void> {
    let stored: Awaited<ReturnType<Scope["store"]["read"]>>;
    try {
      stored = await this.scope.store.read(`${SESSIONS_BASE}:${id}:session.yaml`);
    } catch {
      stored = null; // a broken file is left out of lists, as SessionRepository.list does
    }
    if (!stored) {
      this.entries.delete(id);
      return;
    }
    const previous = this.entries.get(id);
    // The document cache hands back the same object while the file is unchanged: nothing to redo.
    if (previous?.data === stored.data) return;
    const parsed = SessionMetaSchema.safeParse({ ...stored.data, id });
    if (!parsed.success) {
      this.entries.delete(id);
      return;
    }
    const record = parsed.data;
    const unchanged =
      previous &&
      previous.summary.record.message_count === record.message_count &&
      previous.summary.record.last_activity === record.last_activity;
    const last_message = unchanged ? previous.summary.last_message : await this.lastMessage(id, record);
    this.entries.set(id, {
      data: stored.data,
      summary: { record, ...(last_message ? { last_message } : {}) },
    });
  }

  private async lastMessage(id: string, record: SessionRecord): Promise<LastMessage | undefined> {
    if (record.message_count === 0) return undefined;
    let messages: Awaited<ReturnType<SessionRepository["listMessages"]>>["messages"];
    try {
      ({ messages } = await this.sessions.listMessages(id, { limit: PREVIEW_WINDOW }));
    } catch {
      return undefined;
    }
    const chosen =
      messages.findLast((m) => (m.role === "user" || m.role === "assistant") && m.content.trim() !== "") ??
      messages.at(-1);
    if (!chosen) return undefined;
    return {
      role: chosen.role,
      preview: previewOf(chosen.content),
      timestamp: chosen.timestamp,
      seq: chosen.seq,
    };
  }
}

const summariesBySessions = new WeakMap<object, SessionSummaries>();

/** The one summary cache per session repository (the chat list and the workspace registry share it). */
export function sessionSummariesFor(scope: Scope, sessions: SessionRepository): SessionSummaries {
  let summaries = summariesBySessions.get(sessions);
  if (!summaries) {
    summaries = new SessionSummaries(scope, sessions);
    summariesBySessions.set(sessions, summaries);
  }
  return summaries;
}
