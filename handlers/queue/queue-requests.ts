import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import type { QueueJobInput } from "../capabilities/queue.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";

/**
 * Checks a job before it is queued, so a bad agent or workdir is a 400/404 now rather than a failed job
 * later: the agent must exist in the workspace (or globally), and a workdir, when given, must be one it
 * may use (the normalised path is what gets queued), and a session to continue must be the agent's. The
 * run itself re-checks when it starts.
 */
export async function checkedJobInput(
  services: Services,
  input: Omit<QueueJobInput, "workspace_path"> & { workspace_path: string },
  workdirRoots: string[] | undefined,
): Promise<QueueJobInput> {
  const agent = await findRunnableAgent(services, input.agent_id, input.workspace_path);
  const session = input.session_id ? await services.sessions?.find(input.session_id) : null;
  if (session && session.agent_id !== agent.id) {
    throw new ApiError(
      409,
      "SESSION_AGENT_MISMATCH",
      `session '${session.id}' belongs to agent '${session.agent_id}'`,
      {
        session_id: session.id,
      },
    );
  }
  const workdir =
    input.workdir === undefined
      ? undefined
      : await resolveWorkdir(services, agent, input.workdir, workdirRoots);
  return { ...input, ...(workdir ? { workdir } : {}) };
}
