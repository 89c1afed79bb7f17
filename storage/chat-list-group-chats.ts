import type { ChatListEntry, ChatListSource } from "./chat-list.js";
import { GroupChatSessionRepository } from "./group-chat-sessions.js";
import { GroupChatRepository } from "./group-chats.js";
import type { Scope } from "./scopes.js";
import { readRegisteredWorkspaces } from "./workspaces.js";

/**
 * Every group-chat session as `group_chat:<chat id>:<session id>`, from the group chats of the global data folder and
 * of each registered workspace. It answers from the session records (message count and last message are
 * kept on them as messages are stored), never from the message logs.
 */
export class GroupChatSource implements ChatListSource {
  readonly kind = "group_chat";
  private readonly chats = new GroupChatRepository();
  private readonly sessions = new GroupChatSessionRepository();

  constructor(
    private readonly global: Scope,
    private readonly workspace: (path: string) => Scope,
  ) {}

  async entries(): Promise<readonly ChatListEntry[]> {
    const registered = await readRegisteredWorkspaces(this.global).catch(() => []);
    const scopes = [this.global, ...registered.map((w) => this.workspace(w.path))];
    const entries: ChatListEntry[] = [];
    for (const { chat, scope } of await this.chats.list(scopes)) {
      for (const session of await this.sessions.list(scope, chat.id)) {
        const last = session.last_message;
        entries.push({
          id: `${this.kind}:${chat.id}:${session.id}`,
          kind: this.kind,
          title: session.title ? `${chat.name}: ${session.title}` : chat.name,
          last_activity: session.last_message_at ?? session.updated_at,
          created_at: session.created_at,
          message_count: session.message_count,
          ...(last ? { last_message: { ...last, seq: session.message_count } } : {}),
          workspace_path: scope.workspacePath,
          scope: scope.kind,
          status: session.status,
          details: {
            group_chat_id: chat.id,
            group_session_id: session.id,
            members: chat.members.map((m) => m.member_id),
            mode: chat.orchestration.mode,
          },
        });
      }
    }
    return entries;
  }
}
