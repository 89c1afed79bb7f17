import { withCarryOver } from "../../storage/session-ops.js";
import type { SessionRecord } from "../../storage/sessions.js";

/**
 * How an executor run continues its gateway session (see storage/session-ops.ts): resume the CLI's own
 * conversation; else fork the one a forked session came from, where the CLI can; else start a fresh one
 * with the session's transcript (carry_over) ahead of the prompt.
 */
export function cliContinuation(
  session: SessionRecord,
  prompt: string,
  canFork: boolean,
): { prompt: string; resumeSessionId?: string; forkSession?: boolean } {
  if (session.native_session_id) {
    const fork = canFork && session.fork_on_resume === true;
    return { prompt, resumeSessionId: session.native_session_id, ...(fork ? { forkSession: true } : {}) };
  }
  const forkFrom = session.fork_native_session_id;
  if (canFork && typeof forkFrom === "string" && forkFrom.length > 0) {
    return { prompt, resumeSessionId: forkFrom, forkSession: true };
  }
  const carryOver = session.carry_over;
  if (typeof carryOver === "string" && carryOver.length > 0)
    return { prompt: withCarryOver(carryOver, prompt) };
  return { prompt };
}
