import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunOutcome } from "../../handlers/capabilities/runs.js";
import type { RunOwners } from "../../storage/run-owners.js";
import type { RunLifecycle, RunStart } from "../runs/run-hooks.js";
import type { RedisConnection } from "./connection.js";
import type { InstanceInfo, MultiInstance } from "./multi-instance.js";

/** How long a run's owner is remembered (its record is asked for after it ended, too). */
const OWNER_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Every run's instance, in `<prefix>:runs:owner:<run id>`: recorded as the run starts (passed on to the
 * run registry unchanged), read by other instances to forward requests for the run there.
 */
export function redisRunOwners(
  multi: MultiInstance,
  registry: RunLifecycle,
  logger: Logger,
): { lifecycle: RunLifecycle; owners: RunOwners } {
  const redis: RedisConnection = multi.redis;
  const keyOf = (runId: string) => redis.key("runs", "owner", runId);
  return {
    lifecycle: {
      started(run: RunStart) {
        registry.started(run);
        redis.client
          .set(keyOf(run.runId), multi.instanceId, "PX", OWNER_TTL_MS)
          .catch((error: Error) =>
            logger.warn({ msg: "run owner not recorded", run_id: run.runId, error: error.message }),
          );
      },
      finished: (outcome: RunOutcome) => registry.finished(outcome),
    },
    owners: {
      async urlOf(runId) {
        const owner = await redis.client.get(keyOf(runId));
        if (!owner || owner === multi.instanceId) return undefined;
        const entry = await redis.client.get(redis.key("instances", owner));
        if (!entry) return undefined;
        const url = (JSON.parse(entry) as InstanceInfo).url;
        return url || undefined;
      },
    },
  };
}
