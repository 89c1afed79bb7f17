/** The event types of one run of test/fixtures/fake-claude.mjs on a prompt with "tool" in it, in order. */
export const FAKE_CLAUDE_TOOL_RUN = [
  "run_started",
  "delta",
  "delta",
  "delta",
  "delta",
  "delta",
  "tool_start",
  "tool_end",
  "turn_complete",
  "delta",
  "turn_complete",
  "run_complete",
];
