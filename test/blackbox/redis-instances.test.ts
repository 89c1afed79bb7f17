import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  makeTempHome,
  removeDir,
  runGatewayExpectingExit,
  startGatewayProcess,
} from "../helpers/gateway-process.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

describe("multi-instance mode: instance registry (real redis-server)", () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.stop();
  });

  it("two gateways on one Redis register with their URLs and leave the registry when they stop", async () => {
    const homes = [await makeTempHome(), await makeTempHome()];
    const gateways = await Promise.all(
      homes.map((home, i) =>
        startGatewayProcess({
          home,
          env: { VIBEN_REDIS_URL: server.url, VIBEN_INSTANCE_ID: `gw-${i}` },
        }),
      ),
    );
    try {
      const entries = await eventually(async () => {
        const values = await redis.mget("viben:instances:gw-0", "viben:instances:gw-1");
        const parsed = values.map((value) => JSON.parse(value ?? "null") as { id: string; url: string });
        expect(parsed.map((entry) => entry?.url)).toEqual(gateways.map((gw) => gw.url));
        return parsed;
      });
      expect(entries.map((entry) => entry.id)).toEqual(["gw-0", "gw-1"]);
      expect(await redis.pttl("viben:instances:gw-0")).toBeGreaterThan(0);
    } finally {
      await Promise.all(gateways.map((gw) => gw.stop()));
      await Promise.all(homes.map(removeDir));
    }
    expect(await redis.exists("viben:instances:gw-0", "viben:instances:gw-1")).toBe(0);
  });

  it("a Redis that cannot be reached stops the start with its address, password hidden", async () => {
    const home = await makeTempHome();
    try {
      const { code, output } = await runGatewayExpectingExit(["--port", "0"], {
        HOME: home,
        VIBEN_REDIS_URL: "redis://:hunter2@127.0.0.1:1",
      });
      expect(code).not.toBe(0);
      expect(output).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
      expect(output).not.toContain("hunter2");
    } finally {
      await removeDir(home);
    }
  });
});
