import type { RunSpec } from "./adapter.js";

/** The agent's system prompt and append prompt, joined by a blank line; undefined when both are blank. */
export function instructionsOf(spec: RunSpec): string | undefined {
  const parts = [spec.systemPrompt, spec.appendPrompt].filter(
    (part): part is string => part !== undefined && part.trim() !== "",
  );
  return parts.length > 0 ? parts.join("\n\n") : undefined;
}

/**
 * The prompt for a CLI that has no option for extra instructions: the instructions go ahead of the
 * prompt, separated by a blank line. Only on a new session: a resumed one already has them in its
 * history, and repeating them every turn would pile them up.
 */
export function promptWithInstructions(spec: RunSpec): string {
  const instructions = instructionsOf(spec);
  return instructions && !spec.resumeSessionId ? `${instructions}\n\n${spec.prompt}` : spec.prompt;
}
