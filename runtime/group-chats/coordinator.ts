import type { GroupChatMember, GroupChatRecord } from "../../storage/group-chats.js";
import { findMember } from "./mentions.js";
import { rosterText } from "./transcript.js";

/** What the coordinator decided: who speaks next (with what to do), or that the goal is met. */
export type CoordinatorDecision =
  | { done: true; reason?: string }
  | { done: false; next: GroupChatMember; instruction?: string; reason?: string };

/** The coordinator's prompt: the roster, the goal, the conversation, and the one answer form it must use. */
export function coordinatorPrompt(parts: {
  chat: GroupChatRecord;
  speakers: readonly GroupChatMember[];
  transcript: string;
}): string {
  const goal = parts.chat.orchestration.goal ?? "Answer the user's latest message well.";
  return [
    `You coordinate the group chat "${parts.chat.name}". You do not answer yourself: you decide which agent speaks next, or that the goal is met.`,
    `The agents:\n${rosterText(parts.speakers)}`,
    `The goal:\n${goal}`,
    `The conversation so far:\n${parts.transcript || "(nothing yet)"}`,
    'Answer with one JSON object and nothing else: {"next": "<agent id>", "instruction": "<what that agent should do>", "done": false} or, when the goal is met, {"done": true, "reason": "<why>"}.',
  ].join("\n\n");
}

/** JSON objects inside a text (code fences, prose around them), outermost first, each parsed or skipped. */
function jsonObjects(text: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (let start = text.indexOf("{"); start >= 0; start = text.indexOf("{", start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === "\\") i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === "{") depth++;
      else if (ch === "}" && --depth === 0) {
        try {
          const value = JSON.parse(text.slice(start, i + 1)) as unknown;
          if (value && typeof value === "object" && !Array.isArray(value)) {
            found.push(value as Record<string, unknown>);
            start = i;
          }
        } catch {
          // Not JSON (prose with braces): try the next opening brace.
        }
        break;
      }
    }
  }
  return found;
}

const truthy = (v: unknown) => v === true || (typeof v === "string" && /^(true|yes|done)$/i.test(v.trim()));
const str = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/**
 * Reads the coordinator's answer. Tolerant of what models do: JSON in a code fence or amid prose, key
 * spellings (`next`, `next_speaker`, `speaker`, `agent`; `done`, `goal_met`, `finished`), `@` before ids,
 * display names, and a plain-text `NEXT: @id` or `DONE` when there is no JSON. Undefined when it names no
 * member and does not say done (the caller ends the orchestration with a notice instead of guessing).
 */
export function parseCoordinatorDecision(
  text: string,
  speakers: readonly GroupChatMember[],
): CoordinatorDecision | undefined {
  for (const object of jsonObjects(text)) {
    const reason = str(object.reason) ?? str(object.why);
    if (
      truthy(object.done) ||
      truthy(object.goal_met) ||
      truthy(object.finished) ||
      truthy(object.complete)
    ) {
      return { done: true, ...(reason ? { reason } : {}) };
    }
    const name = str(object.next) ?? str(object.next_speaker) ?? str(object.speaker) ?? str(object.agent);
    const member = name ? findMember(speakers, name) : undefined;
    if (member) {
      const instruction = str(object.instruction) ?? str(object.task) ?? str(object.message);
      return {
        done: false,
        next: member,
        ...(instruction ? { instruction } : {}),
        ...(reason ? { reason } : {}),
      };
    }
  }
  const next = /\bnext(?:[ _]speaker)?\s*[:=]\s*@?([^\s,.;"']+)/i.exec(text)?.[1];
  const member = next ? findMember(speakers, next) : undefined;
  if (member) return { done: false, next: member };
  if (/\b(DONE|GOAL[ _]MET)\b/.test(text)) return { done: true };
  return undefined;
}
