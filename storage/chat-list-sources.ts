/*
 * The chat list's built-in sources: agent sessions (global and workspace agents alike: every session lives
 * in the global scope) and inbound channel conversations (ChannelSessionMap's `channel-sessions/` index:
 * one session per channel, chat, thread and sender). Both answer from SessionSummaries' cached scan.
 */
import type { ChatListEntry, ChatListSource } from "./chat-list.js";
import type { Scope } from "./scopes.js";
import type { SessionSummaries, SessionSummary } from "./session-summaries.js";

/** The folder ChannelSessionMap (channel-outbox.ts) keeps its conversation → session index in. */
const CHANNEL_SESSIONS_BASE = "channel-sessions";

function sessionFields(summary: SessionSummary): Omit<ChatListEntry, "id" | "kind" | "title"> {
  const r = summary.record;
  return {
    last_activity: r.last_activity,
    created_at: r.created_at,
    message_count: r.message_count,
    ...(summary.last_message ? { last_message: summary.last_message } : {}),
    workspace_path: r.workspace_path,
    workdir: r.workdir,
    scope: r.agent_source,
    session_id: r.id,
    agent_id: r.agent_id,
    status: r.status,
  };
}

/** Every agent session as `session:<id>`. */
export class AgentSessionSource implements ChatListSource {
  readonly kind = "session";
  private cached: { from: readonly SessionSummary[]; entries: ChatListEntry[] } | undefined;

  constructor(private readonly summaries: SessionSummaries) {}

  async entries(): Promise<readonly ChatListEntry[]> {
    const list = await this.summaries.list();
    if (this.cached?.from === list) return this.cached.entries;
    const entries = list.map((summary) => ({
      id: `session:${summary.record.id}`,
      kind: this.kind,
      title: summary.record.title || `${summary.record.agent_id} session`,
      ...sessionFields(summary),
      details: {
        ...(summary.record.executor_type ? { executor_type: summary.record.executor_type } : {}),
        ...(summary.record.task_id ? { task_id: summary.record.task_id } : {}),
      },
    }));
    this.cached = { from: list, entries };
    return entries;
  }
}

/**
 * Every inbound channel conversation whose session exists, as `channel:<index key>` (stable while the
 * conversation's session is replaced); it claims its session, which the session list then leaves out.
 */
export class ChannelConversationSource implements ChatListSource {
  readonly kind = "channel";

  constructor(
    private readonly scope: Scope,
    private readonly summaries: SessionSummaries,
  ) {}

  async entries(): Promise<readonly ChatListEntry[]> {
    const keys = (await this.scope.store.keys(CHANNEL_SESSIONS_BASE)).filter((k) => k.endsWith(".yaml"));
    const entries: ChatListEntry[] = [];
    for (const file of keys) {
      const doc = await this.scope.store.read(`${CHANNEL_SESSIONS_BASE}:${file}`).catch(() => null);
      const sessionId = doc?.data.session_id;
      if (typeof sessionId !== "string") continue;
      const summary = await this.summaries.get(sessionId);
      if (!summary) continue;
      const parts = Array.isArray(doc?.data.key) ? doc.data.key.map(String) : [];
      const [channel = "", chatId = "", threadId = "", senderId = ""] = parts;
      const who = senderId && senderId !== chatId ? ` · ${senderId}` : "";
      entries.push({
        id: `channel:${file.replace(/\.yaml$/, "")}`,
        kind: this.kind,
        title: summary.record.title || `${channel}: ${chatId}${who}`,
        ...sessionFields(summary),
        claims: [sessionId],
        details: {
          channel,
          chat_id: chatId,
          ...(threadId ? { thread_id: threadId } : {}),
          ...(senderId ? { sender_id: senderId } : {}),
        },
      });
    }
    return entries;
  }
}
