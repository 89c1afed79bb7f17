import type { Logger } from "../../handlers/capabilities/logger.js";
import { type RedisSettings, redactRedisUrl } from "../../storage/redis-settings.js";
import { connectRedis, type RedisConnection } from "./connection.js";

/**
 * Multi-instance mode: this gateway's Redis connection and its entry in the instance registry, which the
 * parts shared through Redis (storage, events, queue, cron, forwarding) build on. Loaded by
 * gateway-services.ts only when gateway.yaml has `redis:` (or VIBEN_REDIS_URL is set).
 *
 * Each instance keeps `<prefix>:instances:<id>` alive (PX = twice the refresh period) holding where it can
 * be reached, so a peer can tell whether an instance is alive and where a process it started lives.
 */
export interface InstanceInfo {
  id: string;
  /** The instance's own base URL (where peers forward requests for its processes and terminals). */
  url: string;
  startedAt: string;
}

export interface MultiInstance {
  readonly redis: RedisConnection;
  readonly instanceId: string;
  /** Announces this instance's URL once it listens (before that it is registered without one). */
  listening(url: string): Promise<void>;
  /** Live instances, this one included. */
  instances(): Promise<InstanceInfo[]>;
  isAlive(id: string): Promise<boolean>;
  /** The URL a live instance announced; undefined when it is gone or has not announced one yet. */
  urlOf(id: string): Promise<string | undefined>;
  /** Deletes `key` only while it still names this instance (an owner mark another may have replaced). */
  releaseMark(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface MultiInstanceOptions {
  settings: RedisSettings;
  logger: Logger;
  /** VIBEN_INSTANCE_ID, or a random one. */
  instanceId?: string;
  refreshMs?: number;
}

const DELETE_IF_OURS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export async function startMultiInstance(options: MultiInstanceOptions): Promise<MultiInstance> {
  const { settings, logger } = options;
  const redis = await connectRedis(settings, {
    onStatus: (event) =>
      (event.status === "error" ? logger.warn : logger.info)({
        msg: `redis ${event.status}`,
        connection: event.connection,
        detail: event.detail,
      }),
  });
  const instanceId = options.instanceId ?? crypto.randomUUID();
  const refreshMs = options.refreshMs ?? Math.max(1000, Math.floor(settings.leaseMs / 3));
  const info: InstanceInfo = { id: instanceId, url: "", startedAt: new Date().toISOString() };
  const keyOf = (id: string) => redis.key("instances", id);
  const announce = () => redis.client.set(keyOf(instanceId), JSON.stringify(info), "PX", refreshMs * 2);
  await announce();
  const timer = setInterval(() => {
    announce().catch((error: Error) =>
      logger.warn({ msg: "instance registry not refreshed", error: error.message }),
    );
  }, refreshMs);
  timer.unref();
  logger.info({ msg: "multi-instance mode", redis: redactRedisUrl(settings.url), instance: instanceId });

  return {
    redis,
    instanceId,
    listening: async (url) => {
      info.url = url;
      await announce();
    },
    instances: async () => {
      const keys: string[] = [];
      let cursor = "0";
      do {
        const [next, found] = await redis.client.scan(cursor, "MATCH", keyOf("*"), "COUNT", 200);
        cursor = next;
        keys.push(...found);
      } while (cursor !== "0");
      if (keys.length === 0) return [];
      const values = await redis.client.mget(...keys);
      return values.flatMap((value) => (value ? [JSON.parse(value) as InstanceInfo] : []));
    },
    isAlive: async (id) => (await redis.client.exists(keyOf(id))) === 1,
    urlOf: async (id) => {
      const entry = await redis.client.get(keyOf(id));
      return entry ? (JSON.parse(entry) as InstanceInfo).url || undefined : undefined;
    },
    releaseMark: async (key) => {
      await redis.client.eval(DELETE_IF_OURS, 1, key, instanceId);
    },
    close: async () => {
      clearInterval(timer);
      await redis.client.del(keyOf(instanceId)).catch(() => 0);
      await redis.close();
    },
  };
}
