import type { SharedKeys } from "../../storage/shared-keys.js";
import type { RedisConnection } from "./connection.js";

// Stores, or answers what is there, in one step (SET NX GET needs Redis 7; this runs on any).
const SET_IF_ABSENT = `
local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** SharedKeys as Redis strings under `<prefix>:shared:<key>`, expiring by Redis's own clock. */
export function redisSharedKeys(redis: RedisConnection): SharedKeys {
  const keyOf = (key: string) => redis.key("shared", key);
  return {
    async setIfAbsent(key, value, ttlMs) {
      const held = (await redis.client.eval(SET_IF_ABSENT, 1, keyOf(key), value, String(ttlMs))) as
        | string
        | null;
      return held ?? null;
    },
    get: (key) => redis.client.get(keyOf(key)),
    async set(key, value, ttlMs) {
      await redis.client.set(keyOf(key), value, "PX", ttlMs);
    },
    async delete(key) {
      await redis.client.del(keyOf(key));
    },
  };
}
