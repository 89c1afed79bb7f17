import { DomainError, invalid } from "../../storage/errors.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import { GroupChatSessionRepository } from "../../storage/group-chat-sessions.js";
import {
  type GroupChatMember,
  type GroupChatRecord,
  GroupChatRepository,
  type ScopedGroupChat,
} from "../../storage/group-chats.js";
import { findRunnableAgent } from "../../storage/rules/run-requests.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import type { Scope } from "../../storage/scopes.js";
import type { Services } from "../context.js";
import type { MemberInput } from "./group-chat-schemas.js";

/*
 * What the group chat routes share: the repositories, finding a chat in the request's workspace scopes,
 * checking members, and the answer shapes.
 */

export const groupChats = new GroupChatRepository();
export const groupChatSessions = new GroupChatSessionRepository();

type WorkspaceQuery = { workspace_path?: string; include_global?: boolean };

/** The chat named in the path, looked up in the workspace first, then globally (unless include_global=false). */
export async function findChat(
  services: Services,
  query: WorkspaceQuery,
  id: string,
): Promise<ScopedGroupChat> {
  const selection = await resolveWorkspace(services, query);
  return groupChats.get(selection.scopes, id);
}

/** Turns requested members into stored ones; agent and executor members must be runnable in the workspace. */
export async function checkedMembers(
  services: Services,
  inputs: readonly MemberInput[],
  workspacePath: string,
  now: string,
  field = "members",
): Promise<GroupChatMember[]> {
  const members: GroupChatMember[] = [];
  for (const [index, input] of inputs.entries()) {
    const at = `${field}[${index}]`;
    const raw = typeof input === "string" ? { member_id: input } : input;
    const memberId = raw.member_id ?? raw.agent_id;
    if (!memberId) throw invalid(`${at}.member_id`, "is required");
    const type = raw.member_type ?? raw.type ?? (canonicalExecutorId(memberId) ? "executor" : "agent");
    if (members.some((m) => m.member_id === memberId)) {
      throw invalid(`${at}.member_id`, `'${memberId}' is already a member`, { member_id: memberId });
    }
    if (type !== "human") await checkRunnable(services, memberId, workspacePath, `${at}.member_id`);
    members.push({
      id: memberId,
      member_type: type,
      member_id: memberId,
      display_name: raw.display_name ?? memberId,
      role: raw.role ?? "member",
      ...(raw.model ? { model: raw.model } : {}),
      joined_at: now,
    });
  }
  return members;
}

/** A 400 naming the field when the id is neither an agent of the workspace nor an executor id. */
export async function checkRunnable(services: Services, id: string, workspacePath: string, field: string) {
  try {
    await findRunnableAgent(services, id, workspacePath);
  } catch (error) {
    if (error instanceof DomainError && error.kind === "not_found") {
      throw invalid(field, `'${id}' is neither an agent of this workspace nor an executor id`, {
        agent_id: id,
      });
    }
    throw error;
  }
}

/** Coordinator mode needs a coordinator that can run. */
export async function checkOrchestration(
  services: Services,
  chat: Pick<GroupChatRecord, "orchestration">,
  workspacePath: string,
) {
  const { mode, coordinator_agent_id: coordinator, default_agent_id: fallback } = chat.orchestration;
  if (mode === "coordinator") {
    if (!coordinator) throw invalid("orchestration.coordinator_agent_id", "is required in coordinator mode");
    await checkRunnable(services, coordinator, workspacePath, "orchestration.coordinator_agent_id");
  }
  if (fallback) await checkRunnable(services, fallback, workspacePath, "orchestration.default_agent_id");
}

export function chatView(chat: GroupChatRecord, scope: Scope) {
  return {
    ...chat,
    workspace_path: scope.workspacePath,
    is_global: scope.kind === "global",
    source: scope.kind,
  };
}

/** The chat itself at the top level (our convention), and Viben's `{group_chat, members}` beside it. */
export function chatAnswer(chat: GroupChatRecord, scope: Scope) {
  const view = chatView(chat, scope);
  return { ...view, group_chat: view };
}
