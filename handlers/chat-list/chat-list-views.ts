import { z } from "@hono/zod-openapi";
import type { ChatListItem } from "../../storage/chat-list.js";
import type { Services } from "../context.js";

const LastMessageSchema = z
  .object({
    role: z.string(),
    preview: z.string().openapi({ description: "The text, whitespace collapsed, at most 140 characters" }),
    timestamp: z.string(),
    seq: z.number().int(),
  })
  .openapi("ChatLastMessage");

export const ChatListItemSchema = z
  .object({
    id: z.string().openapi({ description: "`session:<id>`, `channel:<key>`, `group_chat:<id>`…" }),
    kind: z.string().openapi({ description: "session, channel or group_chat" }),
    item_type: z.string().openapi({ description: "Same as kind (the original Viben's field)" }),
    title: z.string(),
    name: z.string().openapi({ description: "Same as title (the original Viben's field)" }),
    preview: z.string().openapi({ description: "The last message's text (empty when there is none)" }),
    last_message: LastMessageSchema.nullable(),
    last_activity: z.string(),
    last_active: z.string().openapi({ description: "Same as last_activity (the original Viben's field)" }),
    created_at: z.string().optional(),
    message_count: z.number().int(),
    unread_count: z.number().int().openapi({ description: "Messages after this client's read marker" }),
    last_read_seq: z.number().int().nullable(),
    last_read_at: z.string().nullable(),
    pinned: z.boolean(),
    archived: z.boolean(),
    pinned_at: z.string().optional(),
    archived_at: z.string().optional(),
    workspace_path: z.string(),
    workdir: z.string().optional(),
    source: z.enum(["global", "workspace"]).openapi({ description: "Where the conversation's agent lives" }),
    is_global: z.boolean().openapi({ description: "True when it belongs to the global workspace (home)" }),
    session_id: z.string().optional(),
    agent_id: z.string().optional(),
    status: z.string().optional(),
    metadata: z.record(z.string(), z.unknown()).openapi({
      description:
        "Kind-specific fields: a channel's name, chat_id, thread_id and sender_id; an executor type",
    }),
  })
  .openapi("ChatListItem");

export const ChatListCountsSchema = z
  .object({
    sessions: z.number().int(),
    channels: z.number().int(),
    group_chats: z.number().int(),
    unread: z.number().int().openapi({ description: "Conversations with unread messages" }),
    unread_messages: z.number().int(),
    pinned: z.number().int(),
    archived: z.number().int(),
  })
  .catchall(z.number().int())
  .openapi("ChatListCounts");

export const ChatListPageSchema = z
  .object({
    workspace_path: z.string().nullable().openapi({ description: "The workspace filtered on, else null" }),
    client_id: z.string().openapi({ description: "Whose read markers the unread counts use" }),
    items: z.array(ChatListItemSchema),
    total: z.number().int().openapi({ description: "Matching conversations, all pages" }),
    offset: z.number().int(),
    limit: z.number().int(),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page" }),
    counts: ChatListCountsSchema,
  })
  .openapi("ChatListPage");

/** An item as answered: ours plus the original Viben's names; a session's status from the live run table. */
export function chatItemView(services: Services, item: ChatListItem) {
  const { claims: _claims, details, ...rest } = item;
  const running = item.session_id ? services.runs?.isRunning(item.session_id) : undefined;
  return {
    ...rest,
    item_type: item.kind,
    name: item.title,
    preview: item.last_message?.preview ?? "",
    last_message: item.last_message ?? null,
    last_active: item.last_activity,
    last_read_seq: item.last_read_seq ?? null,
    last_read_at: item.last_read_at ?? null,
    source: item.scope,
    is_global: item.workspace_path === services.scopes.home,
    ...(running === undefined ? {} : { status: running ? "running" : "idle" }),
    metadata: details ?? {},
  };
}
