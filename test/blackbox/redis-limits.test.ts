import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

const ADMIN_KEY = "vbn_admin_0123456789abcdef0123456789ab";

/** Two gateways with the same API key on one Redis: wrong keys count against the address on both. */
describe("failed-attempt limit across two gateway instances on one Redis", () => {
  let server: RedisServer;
  const homes: string[] = [];
  const gateways: RunningGateway[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    for (const name of ["a", "b"]) {
      const home = await mkdtemp(join(tmpdir(), `viben-redis-limits-${name}-`));
      homes.push(home);
      await mkdir(join(home, ".viben"), { recursive: true });
      await writeFile(
        join(home, ".viben/gateway.yaml"),
        "api_keys: [{ name: laptop, key: '${VIBEN_ADMIN_KEY}', role: admin }]\n",
      );
      gateways.push(
        await startGateway({
          port: 0,
          env: {
            ...process.env,
            HOME: home,
            VIBEN_LOG_LEVEL: "silent",
            VIBEN_ADMIN_KEY: ADMIN_KEY,
            VIBEN_REDIS_URL: server.url,
            VIBEN_INSTANCE_ID: `limits-${name}`,
          },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await server?.stop();
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  });

  it("answers 429 on B, even to the right key, after 10 wrong keys on A", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const get = (gw: RunningGateway, key: string) =>
      fetch(`${gw.url}/api/agent`, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 10; i++) expect((await get(a, `guess-${i}`)).status).toBe(401);
    expect((await get(a, ADMIN_KEY)).status).toBe(429);
    // B hears of A's failures over Redis within a network hop.
    const limited = await eventually(async () => {
      const res = await get(b, ADMIN_KEY);
      expect(res.status).toBe(429);
      return res;
    });
    expect(await limited.json()).toMatchObject({ code: "TOO_MANY_FAILED_ATTEMPTS" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
