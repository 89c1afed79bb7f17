import type { Redis, RedisOptions } from "ioredis";
import { type RedisSettings, redactRedisUrl } from "../../storage/redis-settings.js";

/**
 * The gateway's Redis connections in multi-instance mode. ioredis is imported here on first use only, so
 * a gateway without `redis:` never loads it (the production-build test checks the bundle's start path).
 *
 * Commands wait through a Redis restart instead of failing (offline queue on, no per-request retry limit):
 * what was acknowledged before the restart is on Redis's disk (appendonly), what is sent during it is
 * written once Redis is back.
 */
export interface RedisConnection {
  readonly settings: RedisSettings;
  /** For commands; shared by every part of the gateway. */
  readonly client: Redis;
  /** A further connection (pub/sub subscribers and blocking reads need their own), closed with this one. */
  open(name: string): Redis;
  /** `<prefix>:<part>:<part>…`: every key the gateway writes goes through here. */
  key(...parts: string[]): string;
  close(): Promise<void>;
}

export interface RedisConnectOptions {
  /** Told when a connection drops or comes back (logged by the runtime). */
  onStatus?: (event: {
    connection: string;
    status: "error" | "ready" | "reconnecting";
    detail?: string;
  }) => void;
}

export async function connectRedis(
  settings: RedisSettings,
  options: RedisConnectOptions = {},
): Promise<RedisConnection> {
  const ioredis = await import("ioredis");
  // In `npm start`'s bundle the CommonJS module arrives as its default export only.
  const RedisClient =
    ioredis.Redis ?? (ioredis as unknown as { default: { Redis: typeof ioredis.Redis } }).default.Redis;
  const opened: Redis[] = [];
  const baseOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    // Back off to at most a second between attempts, forever: the gateway outlives a Redis restart.
    retryStrategy: (times) => Math.min(50 * times, 1000),
    lazyConnect: true,
  };
  const open = (name: string): Redis => {
    const connection = new RedisClient(settings.url, { ...baseOptions, connectionName: `viben-${name}` });
    let lastError = "";
    connection.on("error", (error: Error) => {
      // ioredis repeats the same error at every retry; report a change only.
      if (error.message === lastError) return;
      lastError = error.message;
      options.onStatus?.({ connection: name, status: "error", detail: error.message });
    });
    connection.on("ready", () => {
      if (lastError !== "") options.onStatus?.({ connection: name, status: "ready" });
      lastError = "";
    });
    connection.on("reconnecting", () => options.onStatus?.({ connection: name, status: "reconnecting" }));
    opened.push(connection);
    return connection;
  };
  const client = open("client");
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${redactRedisUrl(settings.url)}: ${(error as Error).message}`);
  }
  return {
    settings,
    client,
    open: (name) => {
      const connection = open(name);
      void connection.connect().catch(() => {
        // Reported through onStatus; ioredis keeps retrying.
      });
      return connection;
    },
    key: (...parts) => [settings.prefix, ...parts].join(":"),
    close: async () => {
      await Promise.all(
        opened.splice(0).map(async (connection) => {
          try {
            await connection.quit();
          } catch {
            connection.disconnect();
          }
        }),
      );
    },
  };
}
