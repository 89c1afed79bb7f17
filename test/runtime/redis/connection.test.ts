import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../../runtime/redis/connection.js";
import { compileRedisSettings } from "../../../storage/redis-settings.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

describe("Redis connection (real redis-server)", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("prefixes keys and survives a Redis restart without losing an acknowledged write", async () => {
    const settings = compileRedisSettings({ url: server.url, prefix: "t1" }, {});
    if (!settings) throw new Error("settings expected");
    const statuses: string[] = [];
    const redis = await connectRedis(settings, { onStatus: (event) => statuses.push(event.status) });
    try {
      expect(redis.key("docs", "agents/a.yaml")).toBe("t1:docs:agents/a.yaml");
      await redis.client.set(redis.key("before"), "1");
      await server.restart();
      // Sent while the connection is being re-established: queued, then answered.
      await redis.client.set(redis.key("after"), "2");
      expect(await redis.client.mget(redis.key("before"), redis.key("after"))).toEqual(["1", "2"]);
      expect(statuses).toContain("reconnecting");
    } finally {
      await redis.close();
    }
  });

  it("names the unreachable address without its password", async () => {
    const settings = compileRedisSettings("redis://:secret@127.0.0.1:1", {});
    if (!settings) throw new Error("settings expected");
    const attempt = connectRedis({ ...settings });
    await expect(attempt).rejects.toThrow(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
  });
});

describe("redis settings", () => {
  it("is off without a section or VIBEN_REDIS_URL, and the environment overrides the file", () => {
    expect(compileRedisSettings(undefined, {})).toBeUndefined();
    expect(compileRedisSettings("redis://a:1", { VIBEN_REDIS_URL: "redis://b:2" })).toMatchObject({
      url: "redis://b:2",
      prefix: "viben",
      leaseMs: 30_000,
    });
    expect(() => compileRedisSettings(undefined, { VIBEN_REDIS_URL: "http://x" })).toThrow(/VIBEN_REDIS_URL/);
  });
});
