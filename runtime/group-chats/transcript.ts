import type { AgentRecord } from "../../storage/agents.js";
import type { GroupChatMessage } from "../../storage/group-chat-sessions.js";
import {
  DEFAULT_CONTEXT_CHARS,
  type GroupChatMember,
  type GroupChatRecord,
} from "../../storage/group-chats.js";
import { BUILTIN_MODELS } from "../../storage/model-catalogue.js";

/** Roughly four characters a token; the conversation may fill half a model's window, the rest is the agent's. */
const CHARS_PER_TOKEN = 4;
const WINDOW_SHARE = 0.5;

/**
 * How many characters of conversation a member's prompt carries: the chat's `limits.context_chars`
 * (default 24,000), never more than half the member's model window where the model is known.
 */
export function contextBudget(chat: GroupChatRecord, agent: AgentRecord): number {
  const configured = chat.limits.context_chars ?? DEFAULT_CONTEXT_CHARS;
  const window = BUILTIN_MODELS.find((m) => m.id === agent.config.model)?.context_window;
  return window ? Math.min(configured, Math.floor(window * CHARS_PER_TOKEN * WINDOW_SHARE)) : configured;
}

/** Who wrote a message, as the members read it. */
function speaker(message: GroupChatMessage): string {
  if (message.type === "user") return `${message.sender_name ?? message.sender_id ?? "user"} (user)`;
  if (message.type === "system") return "system";
  return `@${message.agent_id ?? "agent"}`;
}

/**
 * The conversation as lines (`speaker: text`), newest kept when it exceeds `budget` characters: older
 * lines are dropped whole and an over-long newest line is cut from its start, so the latest words stay.
 */
export function transcriptWithin(messages: readonly GroupChatMessage[], budget: number): string {
  const lines: string[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i]!;
    if (message.type === "agent_thinking" || !message.content?.trim()) continue;
    const line = `${speaker(message)}: ${message.content.trim()}`;
    if (used + line.length + 1 > budget) {
      if (lines.length === 0) lines.push(`…${line.slice(line.length - Math.max(0, budget - 1))}`);
      else lines.push("[earlier messages left out]");
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines.reverse().join("\n");
}

/** The member list as the agents are told it. */
export function rosterText(members: readonly GroupChatMember[]): string {
  return members
    .map((m) => `- @${m.member_id}${m.display_name !== m.member_id ? ` (${m.display_name})` : ""}`)
    .join("\n");
}

/** A member's prompt: who it is among whom, the conversation so far, and what to do now. */
export function memberPrompt(parts: {
  chat: GroupChatRecord;
  member: GroupChatMember;
  speakers: readonly GroupChatMember[];
  transcript: string;
  instruction?: string;
}): string {
  const { chat, member } = parts;
  const sections = [
    `You are @${member.member_id} in the group chat "${chat.name}" with the user and these agents:\n${rosterText(parts.speakers)}`,
  ];
  if (chat.orchestration.goal) sections.push(`The goal of this conversation:\n${chat.orchestration.goal}`);
  sections.push(`The conversation so far:\n${parts.transcript || "(nothing yet)"}`);
  if (parts.instruction) sections.push(`The coordinator asks you:\n${parts.instruction}`);
  sections.push(
    chat.orchestration.mode === "mention"
      ? "Reply with your next message to the group. Mention another agent as @id to hand it the next turn."
      : "Reply with your next message to the group.",
  );
  return sections.join("\n\n");
}
