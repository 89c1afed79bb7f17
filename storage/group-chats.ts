import { conflict, DomainError, notFound } from "./errors.js";
import { assertValidId } from "./ids.js";
import { idSchema } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

/*
 * Group chats: several agents (executor CLIs and native agents) and the user in one conversation. One YAML
 * file per chat in its scope (`<workspace>/.viben/group-chats/<id>.yaml`, or `~/.viben/group-chats/`),
 * shaped as the original Viben answers it (packages/core/src/gateway/routes/group-chats.ts and the desktop's
 * types/group-chat.ts: snake_case, members with `member_type`), plus what orchestration needs.
 */

export const ORCHESTRATION_MODES = ["round_robin", "mention", "coordinator"] as const;
export type OrchestrationMode = (typeof ORCHESTRATION_MODES)[number];
export const MEMBER_TYPES = ["agent", "executor", "human"] as const;
export const MEMBER_ROLES = ["owner", "admin", "member"] as const;

/** Bounds every orchestration: no chat may run unbounded. */
export const MAX_TURNS_LIMIT = 100;
export const DEFAULT_CONTEXT_CHARS = 24_000;

export const GroupChatMemberSchema = z.looseObject({
  /** The member's row id: its member_id (unique within a chat), so either names it. */
  id: idSchema,
  /** `agent` and `executor` members run (an agent id, or an executor id such as CODEX); `human` ones do not. */
  member_type: z.enum(MEMBER_TYPES),
  member_id: idSchema,
  display_name: z.string(),
  role: z.enum(MEMBER_ROLES).default("member"),
  model: z.string().optional(),
  joined_at: z.string(),
  last_seen_at: z.string().optional(),
});
export type GroupChatMember = z.infer<typeof GroupChatMemberSchema>;

export const OrchestrationSchema = z.looseObject({
  mode: z.enum(ORCHESTRATION_MODES).default("round_robin"),
  /** Coordinator mode: the agent that decides who speaks next and when the goal is met. */
  coordinator_agent_id: idSchema.optional(),
  /** What the conversation is for (the coordinator judges whether it is met). */
  goal: z.string().max(20_000).optional(),
  /** Mention mode: who answers a message that mentions nobody (else no one, with a system notice). */
  default_agent_id: idSchema.optional(),
});
export type Orchestration = z.infer<typeof OrchestrationSchema>;

export const GroupChatLimitsSchema = z.looseObject({
  /** Agent turns one user message may set off (coordinator calls aside). */
  max_turns: z.number().int().min(1).max(MAX_TURNS_LIMIT).optional(),
  /** Spend of a session (cents, every run of it, coordinator included) after which no turn starts. */
  budget_cents: z.number().min(0).optional(),
  /** Characters of conversation a member's prompt carries at most (the newest are kept). */
  context_chars: z.number().int().min(500).max(2_000_000).optional(),
});
export type GroupChatLimits = z.infer<typeof GroupChatLimitsSchema>;

export const GroupChatSettingsSchema = z.looseObject({
  broadcast_mode: z.enum(["all", "mention_only"]).default("all"),
  show_thinking: z.boolean().default(false),
  history_limit: z.number().int().min(0).default(10),
});

export const GroupChatSchema = z.looseObject({
  id: idSchema,
  name: z.string(),
  description: z.string().optional(),
  created_by: z.string().default("user"),
  created_at: z.string(),
  updated_at: z.string(),
  members: z.array(GroupChatMemberSchema).default([]),
  settings: GroupChatSettingsSchema.default({
    broadcast_mode: "all",
    show_thinking: false,
    history_limit: 10,
  }),
  orchestration: OrchestrationSchema.default({ mode: "round_robin" }),
  limits: GroupChatLimitsSchema.default({}),
});
export type GroupChatRecord = z.infer<typeof GroupChatSchema>;

/** A stored chat and the scope it lives in. */
export interface ScopedGroupChat {
  chat: GroupChatRecord;
  scope: Scope;
}

const BASE = "group-chats";
export const groupChatKey = (id: string) => `${BASE}:${id}.yaml`;

export const groupChatNotFound = (id: string) =>
  notFound("GROUP_CHAT_NOT_FOUND", `group chat '${id}' not found`, { group_chat_id: id });

/** The agent members (those that take turns), in the chat's order. */
export function speakingMembers(chat: GroupChatRecord): GroupChatMember[] {
  return chat.members.filter((m) => m.member_type !== "human");
}

/** Group chats as YAML documents of their scope; unknown keys written by hand survive updates. */
export class GroupChatRepository {
  async list(scopes: Scope[], onSkip?: (key: string, reason: string) => void): Promise<ScopedGroupChat[]> {
    const seen = new Set<string>();
    const out: ScopedGroupChat[] = [];
    for (const scope of scopes) {
      for (const name of await scope.store.keys(BASE)) {
        // Sessions live in sub-folders (`<id>:sessions:...`); chats are the top-level YAML files.
        if (name.includes(":") || !name.endsWith(".yaml")) continue;
        const id = name.slice(0, -".yaml".length);
        if (seen.has(id)) continue;
        try {
          const chat = await this.read(scope, id);
          if (!chat) continue;
          seen.add(id);
          out.push({ chat, scope });
        } catch (error) {
          onSkip?.(`${scope.store.root}/${BASE}/${name}`, (error as Error).message);
        }
      }
    }
    return out.sort((a, b) => b.chat.updated_at.localeCompare(a.chat.updated_at));
  }

  /** The chat in the first scope that has it (workspace before global). */
  async find(scopes: Scope[], id: string): Promise<ScopedGroupChat | null> {
    assertValidId(id, "group_chat_id");
    for (const scope of scopes) {
      const chat = await this.read(scope, id);
      if (chat) return { chat, scope };
    }
    return null;
  }

  async get(scopes: Scope[], id: string): Promise<ScopedGroupChat> {
    const found = await this.find(scopes, id);
    if (!found) throw groupChatNotFound(id);
    return found;
  }

  async create(scope: Scope, chat: GroupChatRecord): Promise<GroupChatRecord> {
    const stored = await scope.store.createIfAbsent(groupChatKey(chat.id), { ...chat });
    if (!stored) {
      throw conflict("GROUP_CHAT_EXISTS", `group chat '${chat.id}' already exists`, {
        group_chat_id: chat.id,
      });
    }
    return GroupChatSchema.parse(stored.data);
  }

  /**
   * Read-modify-write of one chat: `change` gets the current record and returns the fields to set
   * (null deletes a key). Serialised per chat, so concurrent member edits never lose one another.
   */
  async update(
    scope: Scope,
    id: string,
    change: (current: GroupChatRecord) => Record<string, unknown>,
  ): Promise<GroupChatRecord> {
    let missing = false;
    const stored = await scope.store.update(groupChatKey(id), (doc) => {
      if (!doc) {
        missing = true;
        return null;
      }
      const current = GroupChatSchema.parse(yamlToObject(doc));
      applyPatch(doc, change(current));
      return doc;
    });
    if (missing || !stored) throw groupChatNotFound(id);
    return GroupChatSchema.parse(stored.data);
  }

  async remove(scope: Scope, id: string): Promise<void> {
    const keys = [groupChatKey(id)];
    for (const name of await scope.store.keys(`${BASE}:${id}`)) keys.push(`${BASE}:${id}:${name}`);
    await scope.store.remove(keys);
  }

  private async read(scope: Scope, id: string): Promise<GroupChatRecord | null> {
    const key = groupChatKey(id);
    const stored = await scope.store.read(key);
    if (!stored) return null;
    const parsed = GroupChatSchema.safeParse({ ...stored.data, id });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new DomainError(
        "corrupt",
        "INVALID_GROUP_CHAT",
        `${scope.store.pathOf(key)}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "does not validate"}`,
        { group_chat_id: id },
      );
    }
    return parsed.data;
  }
}
