import { z } from "@hono/zod-openapi";
import { invalid, notFound } from "../../storage/errors.js";
import type { GroupChatRecord } from "../../storage/group-chats.js";
import { idFromName } from "../../storage/ids.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import {
  chatAnswer,
  chatView,
  checkedMembers,
  checkOrchestration,
  findChat,
  groupChatSessions,
  groupChats,
} from "./group-chat-access.js";
import {
  AddMemberSchema,
  ChatParams,
  CreateGroupChatSchema,
  GroupChatViewSchema,
  GroupChatWithMembersSchema,
  MemberParams,
  UpdateGroupChatSchema,
} from "./group-chat-schemas.js";

const TAGS = ["Group chats"];
const ListQuery = WorkspaceQuerySchema.extend({ created_by: z.string().optional() });
const MemberView = GroupChatViewSchema.shape.members.element;

/** /api/group-chats: group chats (agents and the user in one conversation) and their members. */
export const groupChatsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listGroupChats",
      tags: TAGS,
      summary: "Group chats of the workspace (and global ones), most recently updated first",
      request: { query: ListQuery },
      responses: {
        200: jsonContent(
          z.object({
            group_chats: z.array(GroupChatViewSchema),
            workspace_path: z.string(),
            total: z.number(),
          }),
          "Group chats",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const query = c.req.valid("query");
      const selection = await resolveWorkspace(services, query);
      const found = await groupChats.list(selection.scopes, (key, reason) =>
        services.logger.warn({ msg: "skipped a group chat that does not validate", key, reason }),
      );
      const views = found
        .filter(({ chat }) => !query.created_by || chat.created_by === query.created_by)
        .map(({ chat, scope }) => chatView(chat, scope));
      return c.json(
        { group_chats: views, workspace_path: selection.workspacePath, total: views.length },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/",
      operationId: "createGroupChat",
      tags: TAGS,
      summary: "Create a group chat: members (agent or executor ids), orchestration mode, workspace, limits",
      request: { query: WorkspaceQuerySchema, body: jsonBody(CreateGroupChatSchema) },
      responses: {
        201: jsonContent(GroupChatWithMembersSchema, "The group chat"),
        ...errorResponses(400, 404, 409),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const query = c.req.valid("query");
      const selection = await resolveWorkspace(services, {
        workspace_path: body.workspace_path ?? query.workspace_path,
      });
      const now = services.clock.now().toISOString();
      const id =
        body.id ?? `${idFromName(body.name).slice(0, 40) || "group"}-${crypto.randomUUID().slice(0, 8)}`;
      const chat: GroupChatRecord = {
        id,
        name: body.name,
        ...(body.description !== undefined ? { description: body.description } : {}),
        created_by: body.created_by ?? "user",
        created_at: now,
        updated_at: now,
        members: await checkedMembers(services, body.members ?? [], selection.workspacePath, now),
        settings: {
          broadcast_mode: body.settings?.broadcast_mode ?? "all",
          show_thinking: body.settings?.show_thinking ?? false,
          history_limit: body.settings?.history_limit ?? 10,
        },
        orchestration: {
          ...body.orchestration,
          mode:
            body.orchestration?.mode ??
            body.mode ??
            (body.settings?.broadcast_mode === "mention_only" ? "mention" : "round_robin"),
        },
        limits: body.limits ?? {},
      };
      await checkOrchestration(services, chat, selection.workspacePath);
      const created = await groupChats.create(selection.scope, chat);
      services.events?.publish({ type: "group_chat_created", group_chat_id: id });
      return c.json(chatAnswer(created, selection.scope), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getGroupChat",
      tags: TAGS,
      summary: "One group chat with its members",
      request: { params: ChatParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(GroupChatWithMembersSchema, "The group chat"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { chat, scope } = await findChat(
        c.get("services"),
        c.req.valid("query"),
        c.req.valid("param").id,
      );
      return c.json(chatAnswer(chat, scope), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/{id}",
      operationId: "updateGroupChat",
      tags: TAGS,
      summary: "Update a group chat (name, description, members, orchestration, limits, settings)",
      request: { params: ChatParams, query: WorkspaceQuerySchema, body: jsonBody(UpdateGroupChatSchema) },
      responses: {
        200: jsonContent(GroupChatWithMembersSchema, "The group chat"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const { chat, scope } = await findChat(services, c.req.valid("query"), c.req.valid("param").id);
      const now = services.clock.now().toISOString();
      const members = body.members
        ? await checkedMembers(services, body.members, scope.workspacePath, now)
        : undefined;
      const orchestration =
        body.orchestration || body.mode
          ? { ...chat.orchestration, ...body.orchestration, ...(body.mode ? { mode: body.mode } : {}) }
          : undefined;
      if (orchestration) await checkOrchestration(services, { orchestration }, scope.workspacePath);
      const updated = await groupChats.update(scope, chat.id, (current) => ({
        name: body.name,
        description: body.description,
        members: members?.map((m) => current.members.find((old) => old.id === m.id) ?? m),
        orchestration,
        limits: body.limits ? { ...current.limits, ...body.limits } : undefined,
        settings: body.settings ? { ...current.settings, ...body.settings } : undefined,
        updated_at: now,
      }));
      services.events?.publish({ type: "group_chat_updated", group_chat_id: chat.id });
      return c.json(chatAnswer(updated, scope), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteGroupChat",
      tags: TAGS,
      summary: "Delete a group chat, its sessions and messages (running sessions are stopped first)",
      request: { params: ChatParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(z.object({ deleted: z.string() }), "Deleted"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { chat, scope } = await findChat(services, c.req.valid("query"), c.req.valid("param").id);
      for (const session of await groupChatSessions.list(scope, chat.id)) {
        await services.groupChats?.stop({ scope, groupChatId: chat.id, sessionId: session.id });
      }
      await groupChats.remove(scope, chat.id);
      services.events?.publish({ type: "group_chat_deleted", group_chat_id: chat.id });
      return c.json({ deleted: chat.id }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/members",
      operationId: "listGroupChatMembers",
      tags: TAGS,
      summary: "Members of a group chat",
      request: { params: ChatParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(z.object({ members: z.array(MemberView) }), "Members"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const { chat } = await findChat(c.get("services"), c.req.valid("query"), c.req.valid("param").id);
      return c.json({ members: chat.members }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/members",
      operationId: "addGroupChatMember",
      tags: TAGS,
      summary: "Add a member (an agent or executor id, or a human)",
      request: { params: ChatParams, query: WorkspaceQuerySchema, body: jsonBody(AddMemberSchema) },
      responses: { 201: jsonContent(MemberView, "The member"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const { chat, scope } = await findChat(services, c.req.valid("query"), c.req.valid("param").id);
      const memberId = body.member_id ?? body.agent_id;
      if (chat.members.some((m) => m.member_id === memberId)) {
        throw invalid("member_id", `member '${memberId}' already exists`, { member_id: memberId });
      }
      const now = services.clock.now().toISOString();
      const [member] = await checkedMembers(services, [body], scope.workspacePath, now, "body");
      await groupChats.update(scope, chat.id, (current) => {
        if (current.members.some((m) => m.member_id === member!.member_id)) {
          throw invalid("member_id", `member '${member!.member_id}' already exists`);
        }
        return { members: [...current.members, member], updated_at: now };
      });
      services.events?.publish({
        type: "group_chat_member_joined",
        group_chat_id: chat.id,
        member_id: member!.id,
      });
      return c.json(member!, 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}/members/{memberId}",
      operationId: "removeGroupChatMember",
      tags: TAGS,
      summary: "Remove a member",
      request: { params: MemberParams, query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(z.object({ deleted: z.string() }), "Removed"),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, memberId } = c.req.valid("param");
      const { chat, scope } = await findChat(services, c.req.valid("query"), id);
      const now = services.clock.now().toISOString();
      await groupChats.update(scope, chat.id, (current) => {
        const members = current.members.filter((m) => m.id !== memberId && m.member_id !== memberId);
        if (members.length === current.members.length) {
          throw notFound("MEMBER_NOT_FOUND", `member '${memberId}' not found in group chat '${id}'`, {
            member_id: memberId,
          });
        }
        return { members, updated_at: now };
      });
      services.events?.publish({
        type: "group_chat_member_left",
        group_chat_id: chat.id,
        member_id: memberId,
      });
      return c.json({ deleted: memberId }, 200);
    },
  );
