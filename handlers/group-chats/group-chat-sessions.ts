import { z } from "@hono/zod-openapi";
import { invalid } from "../../storage/errors.js";
import type { GroupChatMessage, GroupChatSessionRecord } from "../../storage/group-chat-sessions.js";
import type { Scope } from "../../storage/scopes.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { findChat, groupChatSessions } from "./group-chat-access.js";
import {
  ChatParams,
  CreateSessionSchema,
  GroupChatMessageViewSchema,
  GroupChatSessionViewSchema,
  MessagesQuerySchema,
  SendMessageSchema,
  SessionParams,
} from "./group-chat-schemas.js";

const TAGS = ["Group chats"];
const DEFAULT_PAGE = 50;

function sessionView(services: Services, scope: Scope, session: GroupChatSessionRecord) {
  const active =
    services.groupChats?.isActive({ scope, groupChatId: session.group_chat_id, sessionId: session.id }) ??
    false;
  return { ...session, active };
}

/** A member's own view of the conversation: its answers as `assistant`, everything else as `user`. */
function agentView(messages: GroupChatMessage[], agentId: string) {
  return messages
    .filter((m) => m.type !== "agent_thinking" && m.content)
    .map((m) => ({
      timestamp: m.timestamp,
      role:
        m.type === "agent_response" && m.agent_id === agentId
          ? "assistant"
          : m.type === "system"
            ? "system"
            : "user",
      content: m.content ?? "",
      name: (m.type === "user" ? m.sender_name : m.agent_id) ?? "",
    }));
}

/** /api/group-chats/{id}/sessions: conversations of a group chat, their messages, and stopping them. */
export const groupChatSessionsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions",
      operationId: "listGroupChatSessions",
      tags: TAGS,
      summary: "Sessions of a group chat, most recently active first",
      request: { params: ChatParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(z.object({ sessions: z.array(GroupChatSessionViewSchema) }), "Sessions"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { chat, scope } = await findChat(services, c.req.valid("query"), c.req.valid("param").id);
      const sessions = await groupChatSessions.list(scope, chat.id);
      return c.json({ sessions: sessions.map((s) => sessionView(services, scope, s)) }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions",
      operationId: "createGroupChatSession",
      tags: TAGS,
      summary: "Start a session (a conversation) in a group chat",
      request: { params: ChatParams, query: WorkspaceQuerySchema, body: jsonBody(CreateSessionSchema) },
      responses: {
        201: jsonContent(GroupChatSessionViewSchema, "The session"),
        ...errorResponses(400, 404, 409),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const { chat, scope } = await findChat(services, c.req.valid("query"), c.req.valid("param").id);
      for (const [i, agent] of (body.active_agents ?? []).entries()) {
        if (!chat.members.some((m) => m.member_id === agent || m.id === agent)) {
          throw invalid(`active_agents[${i}]`, `'${agent}' is not a member of group chat '${chat.id}'`);
        }
      }
      const now = services.clock.now().toISOString();
      const session = await groupChatSessions.create(scope, {
        id: body.id ?? crypto.randomUUID(),
        group_chat_id: chat.id,
        ...(body.title !== undefined ? { title: body.title } : {}),
        created_at: now,
        updated_at: now,
        active_agents: body.active_agents ?? [],
        status: "active",
        turns: 0,
        cost_cents: 0,
        tokens: { input: 0, output: 0 },
        message_count: 0,
      });
      return c.json(sessionView(services, scope, session), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}",
      operationId: "getGroupChatSession",
      tags: TAGS,
      summary: "One session of a group chat (turns taken, spend, whether it is running)",
      request: { params: SessionParams, query: WorkspaceQuerySchema },
      responses: { 200: jsonContent(GroupChatSessionViewSchema, "The session"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      const { chat, scope } = await findChat(services, c.req.valid("query"), id);
      return c.json(sessionView(services, scope, await groupChatSessions.get(scope, chat.id, sid)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{sid}/archive",
      operationId: "archiveGroupChatSession",
      tags: TAGS,
      summary: "Archive a session (stopped first if running; it takes no more messages)",
      request: { params: SessionParams, query: WorkspaceQuerySchema },
      responses: { 200: jsonContent(GroupChatSessionViewSchema, "The session"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      const { chat, scope } = await findChat(services, c.req.valid("query"), id);
      await services.groupChats?.stop({ scope, groupChatId: chat.id, sessionId: sid });
      const now = services.clock.now().toISOString();
      const session = await groupChatSessions.update(scope, chat.id, sid, () => ({
        status: "archived",
        updated_at: now,
      }));
      return c.json(sessionView(services, scope, session), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{sid}/stop",
      operationId: "stopGroupChatSession",
      tags: TAGS,
      summary: "Stop a session's orchestration and every member run (their processes are killed)",
      request: { params: SessionParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(z.object({ stopped: z.boolean(), session_id: z.string() }), "Whether anything ran"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runtime = requireCapability(services, "groupChats");
      const { id, sid } = c.req.valid("param");
      const { chat, scope } = await findChat(services, c.req.valid("query"), id);
      await groupChatSessions.get(scope, chat.id, sid);
      const stopped = await runtime.stop({ scope, groupChatId: chat.id, sessionId: sid });
      return c.json({ stopped, session_id: sid }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "listGroupChatMessages",
      tags: TAGS,
      summary: "Messages of a session, newest page first (view=agent: one member's own view)",
      request: { params: SessionParams, query: MessagesQuerySchema },
      responses: {
        200: jsonContent(
          z.object({
            messages: z.array(
              z.union([
                GroupChatMessageViewSchema,
                z.object({ timestamp: z.string(), role: z.string(), content: z.string(), name: z.string() }),
              ]),
            ),
            view: z.string(),
            agent_id: z.string().optional(),
            has_more: z.boolean(),
            prev_cursor: z.string().optional(),
          }),
          "A page of messages, oldest first",
        ),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      const query = c.req.valid("query");
      if (query.view === "agent" && !query.agent_id) throw invalid("agent_id", "is required for view=agent");
      const { chat, scope } = await findChat(services, query, id);
      await groupChatSessions.get(scope, chat.id, sid);
      const page = await groupChatSessions.messages(scope, chat.id, sid, {
        limit: query.limit ?? DEFAULT_PAGE,
        ...(query.before ? { before: query.before } : {}),
      });
      const cursor = page.prev_cursor ? { prev_cursor: page.prev_cursor } : {};
      if (query.view === "agent") {
        const agentId = query.agent_id!;
        return c.json(
          {
            messages: agentView(page.messages, agentId),
            view: "agent",
            agent_id: agentId,
            has_more: page.has_more,
            ...cursor,
          },
          200,
        );
      }
      return c.json({ messages: page.messages, view: "ui", has_more: page.has_more, ...cursor }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "sendGroupChatMessage",
      tags: TAGS,
      summary:
        "Post the user's message; the members answer as the orchestration mode says (streamed on the session's WebSocket)",
      request: { params: SessionParams, query: WorkspaceQuerySchema, body: jsonBody(SendMessageSchema) },
      responses: {
        200: jsonContent(
          z.object({ message: GroupChatMessageViewSchema, agents_triggered: z.array(z.string()) }),
          "The stored message and the members set to answer first",
        ),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runtime = requireCapability(services, "groupChats");
      const { id, sid } = c.req.valid("param");
      const body = c.req.valid("json");
      const content = body.content ?? body.message;
      if (!content?.trim()) throw invalid("content", "must be a non-empty string");
      const { chat, scope } = await findChat(services, c.req.valid("query"), id);
      const result = await runtime.send({
        scope,
        groupChatId: chat.id,
        sessionId: sid,
        content,
        ...(body.sender_id ? { senderId: body.sender_id } : {}),
        ...(body.sender_name ? { senderName: body.sender_name } : {}),
        workdirRoots: c.get("gatewayConfig").workdirRoots,
      });
      return c.json({ message: result.message, agents_triggered: result.agentsTriggered }, 200);
    },
  );
