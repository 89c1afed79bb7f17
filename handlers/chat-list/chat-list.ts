import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  type ArchivedFilter,
  type ChatListEntry,
  mergeSources,
  queryChatList,
  toItem,
} from "../../storage/chat-list.js";
import { checkClientId, DEFAULT_CLIENT } from "../../storage/chat-list-state.js";
import { invalid, notFound } from "../../storage/errors.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { booleanQuery, errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { chatListParts } from "./chat-list-sources.js";
import { ChatListItemSchema, ChatListPageSchema, chatItemView } from "./chat-list-views.js";

const TAGS = ["Chat list"];
const DEFAULT_LIMIT = 50;

const ClientQuery = z.object({
  client_id: z.string().optional().openapi({
    description: "Whose read markers to use (also the X-Client-Id header); `default` when neither is sent",
  }),
});

const ListQuery = ClientQuery.extend({
  workspace_path: z.string().optional().openapi({
    description:
      "Only this workspace's conversations (an absolute path or a registered workspace's name); all when absent",
  }),
  include_global: booleanQuery
    .optional()
    .openapi({ type: "boolean", description: "With workspace_path: also the global ones (default true)" }),
  q: z.string().max(500).optional().openapi({ description: "Words to find in the title or last message" }),
  search: z.string().max(500).optional().openapi({ description: "Same as q" }),
  type: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "Only these kinds, comma-separated: session, channel, group_chat" }),
  archived: z
    .enum(["exclude", "include", "only", "true", "false"], { message: "must be exclude, include or only" })
    .optional()
    .openapi({ description: "exclude (default), include, or only archived conversations (true = only)" }),
  pinned: booleanQuery.optional().openapi({ type: "boolean", description: "Only pinned (true) or unpinned" }),
  unread: booleanQuery
    .optional()
    .openapi({ type: "boolean", description: "Only with (true) or without unread" }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: `Page size, 1 to 1000 (default ${DEFAULT_LIMIT})` }),
  offset: z.coerce.number().int().min(0).optional().openapi({ type: "integer", description: "Default 0" }),
  cursor: z.string().max(4096).optional().openapi({ description: "next_cursor of the previous page" }),
});

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(512)
    .openapi({
      param: { name: "id", in: "path" },
      description: "The item's id (`session:<id>`, `channel:<key>`…); a bare session id also works",
    }),
});

const FlagsBody = z
  .object({
    pinned: z.boolean().optional(),
    archived: z.boolean().optional(),
  })
  .openapi("ChatListFlags");

const ReadBody = z
  .object({
    seq: z
      .number()
      .int()
      .min(0)
      .optional()
      .openapi({ description: "The last message read (its seq); the newest message when absent" }),
  })
  .openapi("ChatReadMarker");

const ReadAllBody = z
  .object({
    ids: z
      .array(z.string().min(1).max(512))
      .max(10_000)
      .optional()
      .openapi({ description: "These conversations; every conversation when absent" }),
  })
  .openapi("ChatReadAll");

/** The client whose markers apply: `client_id` in the query, else the X-Client-Id header, else `default`. */
function clientOf(c: Context<AppEnv>): string {
  const fromQuery = c.req.query("client_id");
  if (fromQuery !== undefined) return checkClientId(fromQuery, "client_id");
  const fromHeader = c.req.header("x-client-id");
  if (fromHeader !== undefined) return checkClientId(fromHeader, "X-Client-Id");
  return DEFAULT_CLIENT;
}

/** A bare session id is the session's item (the list's ids carry their kind). */
const itemId = (raw: string) => (raw.includes(":") ? raw : `session:${raw}`);

async function loadEntries(c: Context<AppEnv>): Promise<ChatListEntry[]> {
  return mergeSources(chatListParts(c.get("services")).sources);
}

async function findEntry(c: Context<AppEnv>, raw: string): Promise<ChatListEntry> {
  const id = itemId(raw);
  const entry = (await loadEntries(c)).find((e) => e.id === id);
  if (!entry) throw notFound("CHAT_NOT_FOUND", `conversation '${id}' not found`, { id });
  return entry;
}

async function itemFor(c: Context<AppEnv>, entry: ChatListEntry, client: string) {
  const { state } = chatListParts(c.get("services"));
  const [flags, markers] = await Promise.all([state.flags(), state.markers(client)]);
  return chatItemView(c.get("services"), toItem(entry, { flags, markers }));
}

const archivedFilter = (value: string | undefined): ArchivedFilter =>
  value === "true"
    ? "only"
    : value === "false" || value === undefined
      ? "exclude"
      : (value as ArchivedFilter);

const itemResponse = (description: string) => ({
  200: jsonContent(ChatListItemSchema, description),
  ...errorResponses(400, 404, 501),
});

/**
 * /api/chat-list: every conversation (agent sessions, channel conversations, and the kinds that register a
 * source) in one list by last activity, with per-client unread counts, pinned and archived flags, search
 * and paging. Read markers are the client's own state, so a viewer may set them; the flags are shared.
 */
export const chatListRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listChatList",
      tags: TAGS,
      summary: "Every conversation by last activity, with unread counts, flags, search and paging",
      request: { query: ListQuery },
      responses: {
        200: jsonContent(ChatListPageSchema, "A page of conversations"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const query = c.req.valid("query");
      const client = clientOf(c);
      const workspacePath =
        query.workspace_path === undefined
          ? undefined
          : await resolveWorkspacePath(services, query.workspace_path);
      const kinds = query.type
        ?.split(",")
        .map((k) => k.trim())
        .filter(Boolean);
      const { sources, state } = chatListParts(services);
      const [entries, flags, markers] = await Promise.all([
        mergeSources(sources),
        state.flags(),
        state.markers(client),
      ]);
      const limit = query.limit ?? DEFAULT_LIMIT;
      const offset = query.offset ?? 0;
      const page = queryChatList(
        entries,
        { flags, markers },
        {
          workspacePath,
          includeGlobal: query.include_global ?? true,
          home: services.scopes.home,
          q: query.q ?? query.search,
          ...(kinds && kinds.length > 0 ? { kinds } : {}),
          archived: archivedFilter(query.archived),
          pinned: query.pinned,
          unread: query.unread,
          limit,
          offset,
          cursor: query.cursor,
        },
      );
      return c.json(
        {
          workspace_path: workspacePath ?? null,
          client_id: client,
          items: page.items.map((item) => chatItemView(services, item)),
          total: page.total,
          offset,
          limit,
          has_more: page.next_cursor !== undefined,
          next_cursor: page.next_cursor ?? null,
          counts: page.counts as z.infer<typeof ChatListPageSchema>["counts"],
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "post",
      path: "/read",
      operationId: "markChatListRead",
      tags: TAGS,
      summary: "Mark conversations read up to their newest message for this client",
      request: { query: ClientQuery, body: jsonBody(ReadAllBody) },
      responses: {
        200: jsonContent(
          z.object({ client_id: z.string(), marked: z.number().int() }),
          "How many were marked",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const client = clientOf(c);
      const { ids } = c.req.valid("json");
      const entries = await loadEntries(c);
      let chosen = entries;
      if (ids) {
        const byId = new Map(entries.map((e) => [e.id, e]));
        chosen = ids.map((raw) => {
          const entry = byId.get(itemId(raw));
          if (!entry)
            throw notFound("CHAT_NOT_FOUND", `conversation '${itemId(raw)}' not found`, { id: raw });
          return entry;
        });
      }
      const { state } = chatListParts(c.get("services"));
      await state.markRead(
        client,
        chosen.map((e) => ({ id: e.id, seq: e.message_count })),
      );
      return c.json({ client_id: client, marked: chosen.length }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getChatListItem",
      tags: TAGS,
      summary: "One conversation of the chat list",
      request: { params: IdParam, query: ClientQuery },
      responses: itemResponse("The conversation"),
    }),
    async (c) => {
      const entry = await findEntry(c, c.req.valid("param").id);
      return c.json(await itemFor(c, entry, clientOf(c)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/{id}",
      operationId: "updateChatListItem",
      tags: TAGS,
      summary: "Pin or archive a conversation (or undo either)",
      request: { params: IdParam, query: ClientQuery, body: jsonBody(FlagsBody) },
      responses: itemResponse("The conversation with its flags"),
    }),
    async (c) => {
      const body = c.req.valid("json");
      if (body.pinned === undefined && body.archived === undefined) {
        throw invalid("pinned", "send pinned and/or archived (true or false)");
      }
      const entry = await findEntry(c, c.req.valid("param").id);
      await chatListParts(c.get("services")).state.setFlags(entry.id, body);
      return c.json(await itemFor(c, entry, clientOf(c)), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "post",
      path: "/{id}/read",
      operationId: "markChatRead",
      tags: TAGS,
      summary: "Set this client's read marker on a conversation (default: its newest message)",
      request: { params: IdParam, query: ClientQuery, body: { ...jsonBody(ReadBody), required: false } },
      responses: itemResponse("The conversation with its unread count"),
    }),
    async (c) => {
      const client = clientOf(c);
      const entry = await findEntry(c, c.req.valid("param").id);
      const body = (await c.req.json().catch(() => ({}))) as unknown;
      const parsed = ReadBody.safeParse(body ?? {});
      if (!parsed.success) throw invalid("seq", "must be a non-negative integer");
      const seq = parsed.data.seq ?? entry.message_count;
      if (seq > entry.message_count) {
        throw invalid("seq", `must be at most ${entry.message_count} (the newest message)`, {
          message_count: entry.message_count,
        });
      }
      await chatListParts(c.get("services")).state.markRead(client, [{ id: entry.id, seq }]);
      return c.json(await itemFor(c, entry, client), 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "delete",
      path: "/{id}/read",
      operationId: "markChatUnread",
      tags: TAGS,
      summary: "Drop this client's read marker: the conversation counts as unread again",
      request: { params: IdParam, query: ClientQuery },
      responses: itemResponse("The conversation with its unread count"),
    }),
    async (c) => {
      const client = clientOf(c);
      const entry = await findEntry(c, c.req.valid("param").id);
      await chatListParts(c.get("services")).state.clearMarker(client, entry.id);
      return c.json(await itemFor(c, entry, client), 200);
    },
  );
