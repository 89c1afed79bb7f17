import type { SessionMessage } from "../../storage/sessions.js";

/** How much of a conversation a delegated or handed-off agent is shown. */
export const TRANSCRIPT_MESSAGES = 20;
const MESSAGE_CHARS = 4_000;

/** The conversation so far as plain lines (user and assistant turns; tool chatter left out). */
export function transcriptText(messages: readonly SessionMessage[]): string | undefined {
  const lines = messages
    .filter((m) => m.role === "user" || m.role === "assistant" || m.role === "system")
    .filter((m) => m.content.trim() !== "")
    .map((m) => {
      const text = m.content.length > MESSAGE_CHARS ? `${m.content.slice(0, MESSAGE_CHARS)}…` : m.content;
      return `${m.role}: ${text}`;
    });
  return lines.length > 0 ? lines.join("\n") : undefined;
}

/**
 * The prompt of a delegated run: stored context first, then the conversation it came from, then the
 * task. Sections are labelled so the agent can tell what it is asked from what it is told.
 */
export function delegatedPrompt(parts: { context?: string; transcript?: string; task: string }): string {
  const sections: string[] = [];
  if (parts.context) sections.push(`Context from the delegating agent:\n${parts.context}`);
  if (parts.transcript) sections.push(`The conversation so far:\n${parts.transcript}`);
  if (sections.length === 0) return parts.task;
  sections.push(`Your task:\n${parts.task}`);
  return sections.join("\n\n");
}
