import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

const ROOT = resolve(import.meta.dirname, "../..");
const FAKE_CLAUDE = join(ROOT, "test/fixtures/fake-claude.mjs");
const run = promisify(execFile);

/** `npm run redis:migrate`'s script, as a user runs it (HOME says whose ~/.viben). */
async function migrate(home: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      join(ROOT, "node_modules/.bin/tsx"),
      ["runtime/redis/cli/migrate.ts", ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: home },
      },
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe("moving the global data into Redis and back (npm run redis:migrate)", () => {
  let redis: RedisServer;
  const homes: string[] = [];

  async function newHome(redisUrl?: string): Promise<string> {
    const home = await mkdtemp(join(tmpdir(), "viben-migrate-"));
    homes.push(home);
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await mkdir(join(home, "project"));
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    // The session's workdir is the first home's project: every later instance may run there.
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      `${redisUrl ? `redis: ${redisUrl}\n` : ""}workdir_roots:\n  - ${homes[0]}\n  - ${home}\n`,
    );
    return home;
  }

  async function withGateway<T>(home: string, use: (client: ReturnType<typeof jsonClient>) => Promise<T>) {
    const gw = await startGateway({
      port: 0,
      env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
    try {
      return await use(jsonClient(() => gw.url));
    } finally {
      await gw.close();
    }
  }

  const messagesText = async (client: ReturnType<typeof jsonClient>, sessionId: string) =>
    JSON.stringify(await client.get(`/api/agent/mover/sessions/${sessionId}/messages`));

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  it("copies agents, sessions and their messages ~/.viben → Redis → another ~/.viben, leaving instance files alone", async () => {
    const first = await newHome();
    const sessionId = await withGateway(first, async (client) => {
      expect((await client.post("/api/agent", { name: "Mover", executor_type: "CLAUDE_CODE" })).status).toBe(
        201,
      );
      const spawned = await client.post("/api/agent/mover/spawn", {
        prompt: "hello before moving",
        workdir: join(first, "project"),
      });
      expect(spawned.status).toBe(200);
      const waited = await client.post(`/agent/run/${spawned.body.run_id}/wait?timeoutMs=60000`, {});
      expect(waited.body).toMatchObject({ status: "complete" });
      return spawned.body.session_id as string;
    });

    const moved = await migrate(first, ["--to", "redis", "--redis", redis.url]);
    expect(moved).toMatchObject({ code: 0 });
    expect(moved.out).toMatch(/\d+ documents, \d+ logs copied; \d+ instance-local keys left alone/);
    // A second copy would overwrite what the instances share by now: refused without --force.
    const again = await migrate(first, ["--to", "redis", "--redis", redis.url]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already holds gateway data/);

    // An instance with an empty data folder on that Redis has everything.
    const shared = await newHome(redis.url);
    await withGateway(shared, async (client) => {
      expect(await client.get("/api/agent/mover")).toMatchObject({
        id: "mover",
        executor_type: "CLAUDE_CODE",
      });
      expect(await client.get(`/api/agent/mover/sessions/${sessionId}`)).toMatchObject({ id: sessionId });
      expect(await messagesText(client, sessionId)).toContain("You said: hello before moving");
    });

    // And back to files, in a third folder that runs without Redis.
    const last = await newHome();
    const back = await migrate(last, ["--to", "files", "--redis", redis.url]);
    expect(back).toMatchObject({ code: 0 });
    expect(await readFile(join(last, ".viben/agents/mover/config.yaml"), "utf8")).toContain("CLAUDE_CODE");
    // The instance's own gateway.yaml was not replaced by anything from Redis.
    expect(await readFile(join(last, ".viben/gateway.yaml"), "utf8")).not.toContain("redis:");
    await withGateway(last, async (client) => {
      const agent = (await client.get("/api/agent/mover")) as Json;
      expect(agent).toMatchObject({ id: "mover" });
      expect(await messagesText(client, sessionId)).toContain("You said: hello before moving");
    });
  });
});
