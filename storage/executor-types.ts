/** The executor types an agent may name (DESIGN.md), plus accepted aliases. */
export const EXECUTOR_IDS = [
  "CLAUDE_CODE",
  "AMP",
  "GEMINI",
  "CODEX",
  "CURSOR_AGENT",
  "QWEN_CODE",
  "COPILOT",
  "OPENCODE",
] as const;

export type ExecutorId = (typeof EXECUTOR_IDS)[number];

const ALIASES: Record<string, ExecutorId> = { CURSOR: "CURSOR_AGENT" };

/** Canonical executor id for a user-supplied type (case-insensitive, aliases resolved), or undefined. */
export function canonicalExecutorId(value: string): ExecutorId | undefined {
  const upper = value.trim().toUpperCase();
  if ((EXECUTOR_IDS as readonly string[]).includes(upper)) return upper as ExecutorId;
  return ALIASES[upper];
}
