import type { AppendLog, LogPage } from "./append-log.js";
import { KvAppendLog } from "./drivers/kv-append-log.js";
import { DomainError, notFound } from "./errors.js";
import { assertValidId } from "./ids.js";
import { idSchema } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

/*
 * Sessions of a group chat (`group-chats/<chat>/sessions/<sid>.yaml`) and their messages
 * (`.../<sid>.jsonl`, append-only), in the chat's own scope. Message fields follow the original Viben's
 * UI messages (type user | agent_thinking | agent_response | system); run ids and spend are ours.
 */

export const GroupChatSessionSchema = z.looseObject({
  id: idSchema,
  group_chat_id: idSchema,
  title: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  active_agents: z.array(z.string()).default([]),
  status: z.enum(["active", "archived"]).default("active"),
  /** Agent turns taken so far, coordinator calls aside. */
  turns: z.number().int().min(0).default(0),
  /** Spend of every run of the session (members and coordinator). */
  cost_cents: z.number().min(0).default(0),
  tokens: z.object({ input: z.number(), output: z.number() }).default({ input: 0, output: 0 }),
  last_message_at: z.string().optional(),
  /** Messages stored so far, and a preview of the newest with text: what the chat list shows. */
  message_count: z.number().int().min(0).default(0),
  last_message: z.object({ role: z.string(), preview: z.string(), timestamp: z.string() }).optional(),
});
export type GroupChatSessionRecord = z.infer<typeof GroupChatSessionSchema>;

export const GROUP_CHAT_MESSAGE_TYPES = ["user", "agent_thinking", "agent_response", "system"] as const;

export const GroupChatMessageSchema = z.looseObject({
  id: z.string(),
  type: z.enum(GROUP_CHAT_MESSAGE_TYPES),
  timestamp: z.string(),
  sender_id: z.string().optional(),
  sender_name: z.string().optional(),
  content: z.string().optional(),
  agent_id: z.string().optional(),
  agent_name: z.string().optional(),
  status: z.string().optional(),
  event: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  /** The member's run that wrote an agent_response, and the gateway session it ran in. */
  run_id: z.string().optional(),
  member_session_id: z.string().optional(),
  tokens: z.object({ input: z.number(), output: z.number() }).optional(),
  cost_cents: z.number().optional(),
});
export type GroupChatMessage = z.infer<typeof GroupChatMessageSchema>;

const sessionsBase = (chatId: string) => `group-chats:${chatId}:sessions`;
const sessionKey = (chatId: string, sid: string) => `${sessionsBase(chatId)}:${sid}.yaml`;
const messagesKey = (chatId: string, sid: string) => `${sessionsBase(chatId)}:${sid}.jsonl`;

export const groupChatSessionNotFound = (chatId: string, sid: string) =>
  notFound("GROUP_CHAT_SESSION_NOT_FOUND", `session '${sid}' of group chat '${chatId}' not found`, {
    group_chat_id: chatId,
    session_id: sid,
  });

// One log per storage root, so appends from the handlers and the runtime share its per-key lock.
const logs = new WeakMap<object, AppendLog>();
function logOf(scope: Scope): AppendLog {
  let log = logs.get(scope.store);
  if (!log) {
    // Whole-value rewrites through the scope's atomic writes: a session's log stays small (turns are bounded).
    log = new KvAppendLog(scope.store);
    logs.set(scope.store, log);
  }
  return log;
}

export interface MessagePage {
  messages: GroupChatMessage[];
  /** Pass as `before` for the older page; absent at the start. */
  prev_cursor?: string;
  has_more: boolean;
}

export class GroupChatSessionRepository {
  async list(scope: Scope, chatId: string): Promise<GroupChatSessionRecord[]> {
    const out: GroupChatSessionRecord[] = [];
    for (const name of await scope.store.keys(sessionsBase(chatId))) {
      if (name.includes(":") || !name.endsWith(".yaml")) continue;
      const found = await this.find(scope, chatId, name.slice(0, -".yaml".length)).catch(() => null);
      if (found) out.push(found);
    }
    return out.sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  async find(scope: Scope, chatId: string, sid: string): Promise<GroupChatSessionRecord | null> {
    assertValidId(sid, "session_id");
    const key = sessionKey(chatId, sid);
    const stored = await scope.store.read(key);
    if (!stored) return null;
    const parsed = GroupChatSessionSchema.safeParse({ ...stored.data, id: sid, group_chat_id: chatId });
    if (!parsed.success) {
      throw new DomainError(
        "corrupt",
        "INVALID_GROUP_CHAT_SESSION",
        `${scope.store.pathOf(key)}: does not validate`,
        {
          session_id: sid,
        },
      );
    }
    return parsed.data;
  }

  async get(scope: Scope, chatId: string, sid: string): Promise<GroupChatSessionRecord> {
    const found = await this.find(scope, chatId, sid);
    if (!found) throw groupChatSessionNotFound(chatId, sid);
    return found;
  }

  async create(scope: Scope, session: GroupChatSessionRecord): Promise<GroupChatSessionRecord> {
    const stored = await scope.store.createIfAbsent(sessionKey(session.group_chat_id, session.id), {
      ...session,
    });
    if (!stored) {
      throw new DomainError(
        "conflict",
        "GROUP_CHAT_SESSION_EXISTS",
        `session '${session.id}' already exists`,
        {
          session_id: session.id,
        },
      );
    }
    return GroupChatSessionSchema.parse(stored.data);
  }

  /** Read-modify-write, serialised per session (turn counts and spend add up under concurrency). */
  async update(
    scope: Scope,
    chatId: string,
    sid: string,
    change: (current: GroupChatSessionRecord) => Record<string, unknown>,
  ): Promise<GroupChatSessionRecord> {
    let missing = false;
    const stored = await scope.store.update(sessionKey(chatId, sid), (doc) => {
      if (!doc) {
        missing = true;
        return null;
      }
      const current = GroupChatSessionSchema.parse({ ...yamlToObject(doc), id: sid, group_chat_id: chatId });
      applyPatch(doc, change(current));
      return doc;
    });
    if (missing || !stored) throw groupChatSessionNotFound(chatId, sid);
    return GroupChatSessionSchema.parse({ ...stored.data, id: sid, group_chat_id: chatId });
  }

  async remove(scope: Scope, chatId: string, sid: string): Promise<void> {
    await scope.store.remove([sessionKey(chatId, sid)]);
    await logOf(scope).remove(messagesKey(chatId, sid));
  }

  async appendMessages(
    scope: Scope,
    chatId: string,
    sid: string,
    messages: GroupChatMessage[],
  ): Promise<void> {
    await logOf(scope).append(messagesKey(chatId, sid), messages);
  }

  /** The newest `limit` messages before `before`, oldest first. */
  async messages(
    scope: Scope,
    chatId: string,
    sid: string,
    options: { limit: number; before?: string },
  ): Promise<MessagePage> {
    const page: LogPage = await logOf(scope).readTail(messagesKey(chatId, sid), options);
    const messages = page.records.flatMap((record) => {
      const parsed = GroupChatMessageSchema.safeParse(record);
      return parsed.success ? [parsed.data] : [];
    });
    return {
      messages,
      ...(page.prev_cursor ? { prev_cursor: page.prev_cursor } : {}),
      has_more: page.prev_cursor !== undefined,
    };
  }
}
