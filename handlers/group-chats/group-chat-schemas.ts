import { z } from "@hono/zod-openapi";
import { GroupChatMessageSchema, GroupChatSessionSchema } from "../../storage/group-chat-sessions.js";
import {
  GroupChatLimitsSchema,
  GroupChatMemberSchema,
  MEMBER_ROLES,
  MEMBER_TYPES,
  ORCHESTRATION_MODES,
} from "../../storage/group-chats.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { WorkspaceQuerySchema } from "../lib/schemas.js";

/** A member as a request names it: an agent id (or executor id), or the original Viben's member object. */
export const MemberInputSchema = z.union([
  idSchema,
  z.looseObject({
    type: z.enum(MEMBER_TYPES).optional(),
    member_type: z.enum(MEMBER_TYPES).optional(),
    member_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    display_name: z.string().max(200).optional(),
    role: z.enum(MEMBER_ROLES).optional(),
    model: z.string().max(200).optional(),
  }),
]);
export type MemberInput = z.infer<typeof MemberInputSchema>;

export const OrchestrationInputSchema = z.looseObject({
  mode: z.enum(ORCHESTRATION_MODES).optional(),
  coordinator_agent_id: idSchema.optional(),
  goal: z.string().max(20_000).optional(),
  default_agent_id: idSchema.optional(),
});

const SettingsInputSchema = z.looseObject({
  broadcast_mode: z.enum(["all", "mention_only"]).optional(),
  show_thinking: z.boolean().optional(),
  history_limit: z.number().int().min(0).max(10_000).optional(),
});

export const CreateGroupChatSchema = z
  .looseObject({
    id: idSchema.optional(),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(4000).optional(),
    workspace_path: z.string().optional(),
    created_by: z.string().max(200).optional(),
    members: z.array(MemberInputSchema).max(50).optional(),
    orchestration: OrchestrationInputSchema.optional(),
    /** Shorthand for orchestration.mode. */
    mode: z.enum(ORCHESTRATION_MODES).optional(),
    limits: GroupChatLimitsSchema.optional(),
    settings: SettingsInputSchema.optional(),
  })
  .openapi("CreateGroupChat");

export const UpdateGroupChatSchema = z
  .looseObject({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(4000).optional(),
    members: z.array(MemberInputSchema).max(50).optional(),
    orchestration: OrchestrationInputSchema.optional(),
    mode: z.enum(ORCHESTRATION_MODES).optional(),
    limits: GroupChatLimitsSchema.optional(),
    settings: SettingsInputSchema.optional(),
  })
  .openapi("UpdateGroupChat");

export const AddMemberSchema = z
  .looseObject({
    type: z.enum(MEMBER_TYPES).optional(),
    member_type: z.enum(MEMBER_TYPES).optional(),
    member_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    display_name: z.string().max(200).optional(),
    role: z.enum(MEMBER_ROLES).optional(),
    model: z.string().max(200).optional(),
  })
  .openapi("AddGroupChatMember");

export const CreateSessionSchema = z
  .looseObject({
    id: idSchema.optional(),
    title: z.string().max(500).optional(),
    active_agents: z.array(idSchema).max(50).optional(),
  })
  .openapi("CreateGroupChatSession");

export const SendMessageSchema = z
  .looseObject({
    content: z.string().optional(),
    /** Our /api/chat spelling of `content`. */
    message: z.string().optional(),
    sender_id: z.string().max(200).optional(),
    sender_name: z.string().max(200).optional(),
  })
  .openapi("SendGroupChatMessage");

export const MessagesQuerySchema = WorkspaceQuerySchema.extend({
  view: z.enum(["ui", "agent"]).optional(),
  agent_id: z.string().optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: "Default 50" }),
  before: z.string().optional().openapi({ description: "prev_cursor of a later page" }),
});

export const ChatParams = z.object({ id: idSchema });
export const MemberParams = z.object({ id: idSchema, memberId: idSchema });
export const SessionParams = z.object({ id: idSchema, sid: idSchema });

export const GroupChatViewSchema = z
  .looseObject({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    created_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    members: z.array(GroupChatMemberSchema),
    orchestration: OrchestrationInputSchema,
    limits: GroupChatLimitsSchema,
    settings: SettingsInputSchema,
    workspace_path: z.string(),
    is_global: z.boolean(),
    source: z.enum(["global", "workspace"]),
  })
  .openapi("GroupChat");

/** The chat at the top level, and the original Viben's `{group_chat, members}` beside it. */
export const GroupChatWithMembersSchema = GroupChatViewSchema.extend({
  group_chat: GroupChatViewSchema,
}).openapi("GroupChatWithMembers");

export const GroupChatSessionViewSchema = GroupChatSessionSchema.extend({
  active: z.boolean(),
}).openapi("GroupChatSession");

export const GroupChatMessageViewSchema = GroupChatMessageSchema.openapi("GroupChatMessage");
