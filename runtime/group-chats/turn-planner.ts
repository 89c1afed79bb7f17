import type { GroupChatMember, GroupChatRecord } from "../../storage/group-chats.js";
import { MAX_TURNS_LIMIT } from "../../storage/group-chats.js";
import type { CoordinatorDecision } from "./coordinator.js";
import { findMember, mentionedMembers } from "./mentions.js";

/** The next step of an orchestration: a member's turn, or the end and why. */
export type PlannedStep =
  | { member: GroupChatMember; instruction?: string }
  | { end: string; notice?: string };

/** Decides who speaks after a user message, turn by turn (one planner per user message). */
export interface TurnPlanner {
  /** Who speaks now, given the turns taken so far. */
  next(): Promise<PlannedStep>;
  /** What the member just said (mention mode queues whom it mentions). */
  answered(member: GroupChatMember, reply: string): void;
  /** Members known to answer first, for the send answer's `agents_triggered`. */
  readonly first: string[];
}

/** Agent turns one user message may set off: the chat's `limits.max_turns`, else a mode's default. */
export function maxTurns(chat: GroupChatRecord, speakers: number): number {
  const configured = chat.limits.max_turns;
  if (configured !== undefined) return configured;
  const n = Math.max(1, speakers);
  return Math.min(MAX_TURNS_LIMIT, chat.orchestration.mode === "round_robin" ? n : n * 2);
}

/** Round robin: every member in the chat's order, again from the first while turns remain. */
function roundRobin(speakers: readonly GroupChatMember[]): TurnPlanner {
  let turn = 0;
  return {
    first: speakers.map((m) => m.member_id),
    next: async () => {
      const member = speakers[turn % speakers.length];
      turn += 1;
      return member ? { member } : { end: "no_members" };
    },
    answered: () => {},
  };
}

/**
 * @mention routing: the members the user mentions answer in order; a member that mentions another hands
 * it the next turn. A message that mentions nobody goes to `default_agent_id` if set, else to no one.
 */
function mentions(chat: GroupChatRecord, speakers: readonly GroupChatMember[], text: string): TurnPlanner {
  const queue = mentionedMembers(text, speakers);
  if (queue.length === 0 && chat.orchestration.default_agent_id) {
    const fallback = findMember(speakers, chat.orchestration.default_agent_id);
    if (fallback) queue.push(fallback);
  }
  return {
    first: queue.map((m) => m.member_id),
    next: async () => {
      const member = queue.shift();
      if (member) return { member };
      return { end: "no_mention" };
    },
    answered: (member, reply) => {
      for (const mentioned of mentionedMembers(reply, speakers, member.member_id)) {
        if (!queue.includes(mentioned)) queue.push(mentioned);
      }
    },
  };
}

/** Coordinator: asks the coordinator before every turn; it names the next member or says the goal is met. */
function coordinated(
  coordinatorId: string,
  decide: () => Promise<CoordinatorDecision | undefined>,
): TurnPlanner {
  return {
    first: [coordinatorId],
    next: async () => {
      const decision = await decide();
      if (!decision) {
        return {
          end: "coordinator_unreadable",
          notice:
            "The coordinator's answer named no member and did not say the goal is met; the orchestration stopped.",
        };
      }
      if (decision.done) return { end: "goal_met", ...(decision.reason ? { notice: decision.reason } : {}) };
      return {
        member: decision.next,
        ...(decision.instruction ? { instruction: decision.instruction } : {}),
      };
    },
    answered: () => {},
  };
}

export function planTurns(
  chat: GroupChatRecord,
  speakers: readonly GroupChatMember[],
  trigger: string,
  decide: () => Promise<CoordinatorDecision | undefined>,
): TurnPlanner {
  const mode = chat.orchestration.mode;
  if (mode === "mention") return mentions(chat, speakers, trigger);
  if (mode === "coordinator")
    return coordinated(chat.orchestration.coordinator_agent_id ?? "coordinator", decide);
  return roundRobin(speakers);
}
