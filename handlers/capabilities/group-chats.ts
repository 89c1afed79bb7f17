import type { GroupChatMessage } from "../../storage/group-chat-sessions.js";
import type { Scope } from "../../storage/scopes.js";

/*
 * Group chat orchestration: the runtime runs the members' turns (one at a time, through the run manager,
 * so each is an ordinary recorded, stoppable and budgeted run) and reports what happens as frames. The
 * handlers store chats and sessions; this capability takes the user's messages and the stop.
 */

/** Which session of which chat, and the scope the chat lives in. */
export interface GroupChatSessionRef {
  scope: Scope;
  groupChatId: string;
  sessionId: string;
}

export interface GroupChatSendInput extends GroupChatSessionRef {
  content: string;
  senderId?: string;
  senderName?: string;
  /** gateway.yaml `workdir_roots` in force for this request. */
  workdirRoots?: string[];
}

export interface GroupChatSendResult {
  message: GroupChatMessage;
  /** The members that will answer first (all of round robin's first round; the mentioned; or the coordinator). */
  agentsTriggered: string[];
}

/**
 * What a session's WebSocket receives. Messages and member runs as the original Viben names them
 * (`new_message`, `agent_thinking`, `agent_response`), each member's run events (`delta`, `tool_start`,
 * `run_complete`, ... as on /ws) with `agent_id` and `group_session_id` added, and the orchestration's own:
 * `coordinator_decision`, `orchestration_complete {reason}`, `error`.
 */
export type GroupChatFrame = { type: string; [field: string]: unknown };

export interface GroupChatService {
  /** Stores the user's message and starts (or continues) the orchestration; refuses while a turn runs. */
  send(input: GroupChatSendInput): Promise<GroupChatSendResult>;
  /** Stops the orchestration and every member run of the session; false when nothing ran. */
  stop(ref: GroupChatSessionRef): Promise<boolean>;
  /** Whether the session's orchestration is running. */
  isActive(ref: GroupChatSessionRef): boolean;
  /** Live frames of a session until the returned function is called. */
  subscribe(ref: GroupChatSessionRef, listener: (frame: GroupChatFrame) => void): () => void;
}
