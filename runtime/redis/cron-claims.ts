import type { CronOccurrenceClaims } from "../cron/occurrence-claims.js";
import type { RedisConnection } from "./connection.js";

/** Unused fences (a deleted job's) expire; any job that fires refreshes its own. */
const FENCE_TTL_MS = 30 * 24 * 3600 * 1000;

// Atomic compare-and-raise: the fence only ever moves forward, whatever order instances arrive in.
const CLAIM_THROUGH = `
local previous = redis.call('GET', KEYS[1])
if not previous or tonumber(previous) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return previous`;

/** Cron fences in Redis: `<prefix>:cron:fence:<job id>` holds the latest scheduled time claimed (epoch ms). */
export function redisCronClaims(redis: RedisConnection): CronOccurrenceClaims {
  return {
    async claimThrough(jobId, latest) {
      const previous = (await redis.client.eval(
        CLAIM_THROUGH,
        1,
        redis.key("cron", "fence", jobId),
        String(latest),
        String(FENCE_TTL_MS),
      )) as string | null;
      return previous === null ? Number.NEGATIVE_INFINITY : Number(previous);
    },
  };
}
