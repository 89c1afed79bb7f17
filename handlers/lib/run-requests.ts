import { type ChatInput, prepareChatRun as resolveChatRun } from "../../storage/rules/run-requests.js";
import type { RunRequest, RunService } from "../capabilities.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";

/** The run capability, or 501 where the runtime cannot start processes (Workers). */
export function requireRuns(services: Services): RunService {
  if (!services.runs) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `running agents is not available on ${services.runtime}`,
    );
  }
  return services.runs;
}

/** The session store, or 501 where the runtime keeps none. */
export function requireSessions(services: Services) {
  if (!services.sessions || !services.history) {
    throw new ApiError(501, "NOT_SUPPORTED_IN_RUNTIME", `sessions are not available on ${services.runtime}`);
  }
  return { sessions: services.sessions, history: services.history };
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
