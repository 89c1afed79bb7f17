import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunOutcome } from "../../handlers/capabilities/runs.js";
import type { RunOwners } from "../../storage/run-owners.js";
import type { RunLifecycle, RunStart } from "../runs/run-hooks.js";
import type { RedisConnection } from "./connection.js";
import type { MultiInstance } from "./multi-instance.js";

/** Where the instance of a session's live run is recorded. */
export const liveSessionKey = (redis: RedisConnection, sessionId: string) =>
  redis.key("sessions", "live", sessionId);

/** How long a run's owner is remembered (its record is asked for after it ended, too). */
const OWNER_TTL_MS = 7 * 24 * 3600 * 1000;

/**
 * Every run's instance, in `<prefix>:runs:owner:<run id>`, and the instance of each session's live run, in
 * `<prefix>:sessions:live:<session id>` (until it ends): recorded as the run starts (passed on to the run
 * registry unchanged), read by other instances to pass requests for the run or session there.
 */
/** Whether a session's live run belongs to another instance that is still alive. */
export async function sessionLiveElsewhere(multi: MultiInstance, sessionId: string): Promise<boolean> {
  const holder = await multi.redis.client.get(liveSessionKey(multi.redis, sessionId));
  return holder !== null && holder !== multi.instanceId && (await multi.isAlive(holder));
}

export function redisRunOwners(
  multi: MultiInstance,
  registry: RunLifecycle,
  logger: Logger,
): { lifecycle: RunLifecycle; owners: RunOwners } {
  const redis: RedisConnection = multi.redis;
  const keyOf = (runId: string) => redis.key("runs", "owner", runId);
  const sessionKeyOf = (sessionId: string) => liveSessionKey(redis, sessionId);
  const urlOfInstance = async (id: string | null): Promise<string | undefined> =>
    !id || id === multi.instanceId ? undefined : multi.urlOf(id);
  return {
    lifecycle: {
      started(run: RunStart) {
        registry.started(run);
        redis.client
          .multi()
          .set(keyOf(run.runId), multi.instanceId, "PX", OWNER_TTL_MS)
          .set(sessionKeyOf(run.sessionId), multi.instanceId, "PX", OWNER_TTL_MS)
          .exec()
          .catch((error: Error) =>
            logger.warn({ msg: "run owner not recorded", run_id: run.runId, error: error.message }),
          );
      },
      finished(outcome: RunOutcome) {
        registry.finished(outcome);
        // Only our own mark: the session may have a newer run elsewhere by now.
        multi
          .releaseMark(sessionKeyOf(outcome.sessionId))
          .catch((error: Error) =>
            logger.warn({ msg: "live session not cleared", run_id: outcome.runId, error: error.message }),
          );
      },
    },
    owners: {
      urlOf: async (runId) => urlOfInstance(await redis.client.get(keyOf(runId))),
    },
  };
}
