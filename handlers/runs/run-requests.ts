import { type ChatInput, prepareChatRun as resolveChatRun } from "../../storage/rules/run-requests.js";
import type { RunRequest } from "../capabilities/runs.js";
import type { Services } from "../context.js";
import { requireCapability } from "../lib/capability-guard.js";

/** The session store, or 501 where the runtime keeps none. */
export function requireSessions(services: Services) {
  return {
    sessions: requireCapability(services, "sessions"),
    history: requireCapability(services, "history"),
  };
}

/** A chat message as a run request (storage/rules/run-requests.ts), once the runtime keeps sessions. */
export async function prepareChatRun(
  services: Services,
  input: ChatInput,
  configuredRoots: string[] | undefined,
  source: string,
): Promise<RunRequest> {
  const { sessions } = requireSessions(services);
  return resolveChatRun({ ...services, sessions }, input, configuredRoots, source);
}
