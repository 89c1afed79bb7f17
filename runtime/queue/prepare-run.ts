import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { RunRequest } from "../../handlers/capabilities/runs.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import { prepareQueuedRun, type QueuedRunDeps } from "../../storage/rules/run-requests.js";

/** The `source` a queued run reports on `run_started`: the job's own origin, "queue" for API jobs. */
export function runSource(job: QueueJob): string {
  return job.source === "api" ? "queue" : job.source;
}

/**
 * Turns a job into a run request with the rules /api/chat uses (storage/rules/run-requests.ts), read
 * from storage directly, so a job (a cron firing, a heartbeat, an API enqueue) never climbs back into
 * handlers/. Done when the job starts, not when it is queued, so edits to the agent in between apply.
 */
export function queuedRunPreparer(
  deps: QueuedRunDeps & { gatewayConfig: GatewayConfigSource },
): (job: QueueJob) => Promise<RunRequest> {
  return async (job) => {
    const roots = (await deps.gatewayConfig.get()).workdirRoots;
    return prepareQueuedRun(deps, job, roots, runSource(job));
  };
}
