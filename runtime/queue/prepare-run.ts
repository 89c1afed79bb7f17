import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { RunRequest } from "../../handlers/capabilities/runs.js";
import type { Services } from "../../handlers/context.js";
import { allowedWorkdirRoots, findRunnableAgent, resolveWorkdir } from "../../handlers/lib/run-requests.js";

/** The `source` a queued run reports on `run_started`: the job's own origin, "queue" for API jobs. */
export function runSource(job: QueueJob): string {
  return job.source === "api" ? "queue" : job.source;
}

/**
 * Turns a job into a run request the way `/api/chat` does (prepareChatRun): the agent is looked up in the
 * job's workspace (then globally, or an executor id standing for itself), and the workdir is the job's,
 * else its session's, else the first directory the agent may use, checked against the agent's roots.
 * Done when the job starts, not when it is queued, so edits to the agent in between apply.
 */
export function queuedRunPreparer(services: () => Services): (job: QueueJob) => Promise<RunRequest> {
  return async (job) => {
    const s = services();
    const roots = (await s.gatewayConfig.get()).workdirRoots;
    const agent = await findRunnableAgent(s, job.agent_id, job.workspace_path ?? s.scopes.home);
    const session = job.session_id ? await s.sessions?.find(job.session_id) : null;
    const workdir = await resolveWorkdir(
      s,
      agent,
      job.workdir ?? session?.workdir ?? allowedWorkdirRoots(s, agent, roots)[0]!,
      roots,
    );
    return { agent, prompt: job.prompt, workdir, sessionId: job.session_id, source: runSource(job) };
  };
}
