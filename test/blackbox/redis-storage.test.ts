import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

/** Two gateways, each with its own ~/.viben, sharing the global data through one Redis. */
describe("global data shared by two instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  let redis: Redis;

  beforeAll(async () => {
    setup = await startRedisGateways("storage", 2, { gatewayYaml: "queue:\n  concurrency: 2\n" });
    gateways = setup.gateways;
    redis = new Redis(setup.redis.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await setup?.close();
  });

  it("serves an agent created on A from B, and A sees B's edit of it", async () => {
    const [a, b] = gateways.map((gw) => jsonClient(() => gw.url)) as [
      ReturnType<typeof jsonClient>,
      ReturnType<typeof jsonClient>,
    ];
    expect((await a.post("/api/agent", { name: "Shared", executor_type: "CLAUDE_CODE" })).status).toBe(201);
    expect(await b.get("/api/agent/shared")).toMatchObject({ id: "shared", executor_type: "CLAUDE_CODE" });
    // B sees the name taken: its agent of the same name gets the next free id, as on one instance.
    const second = await b.post("/api/agent", { name: "Shared", executor_type: "CLAUDE_CODE" });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe("shared");

    // A read on A cached the agent; B's edit voids that copy through the change channel.
    expect(await a.get("/api/agent/shared")).toMatchObject({ id: "shared" });
    const patched = await fetch(`${gateways[1]!.url}/api/agent/shared`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ description: "edited on B" }),
    });
    expect(patched.status).toBe(200);
    await eventually(async () => {
      expect(await a.get("/api/agent/shared")).toMatchObject({ description: "edited on B" });
    });
    // The document lives in Redis; nothing of it in either data folder.
    expect(await redis.exists("viben:data:agents:shared:config.yaml")).toBe(1);
  });

  it("shows a session and its messages from a run on A to B", async () => {
    const [a, b] = gateways.map((gw) => jsonClient(() => gw.url));
    expect((await a!.post("/api/agent", { name: "Runner", executor_type: "CLAUDE_CODE" })).status).toBe(201);
    const spawned = await a!.post("/api/agent/runner/spawn", {
      prompt: "hello from A",
      workdir: join(setup.homes[0]!, "project"),
    });
    expect(spawned.status).toBe(200);
    const sessionId = spawned.body.session_id as string;
    const messages = await eventually(async () => {
      const page = await b!.get(`/api/agent/runner/sessions/${sessionId}/messages`);
      const list = (page.messages ?? page.items ?? page.data) as Json[] | undefined;
      expect(list?.some((m) => JSON.stringify(m).includes("You said: hello from A"))).toBe(true);
      return list!;
    });
    expect(messages.some((m) => JSON.stringify(m).includes("hello from A"))).toBe(true);
    const session = await b!.get(`/api/agent/runner/sessions/${sessionId}`);
    expect(session).toMatchObject({ id: sessionId });
    // The usage ledger is shared too: B's report counts A's run.
    await eventually(async () => {
      const usage = (await b!.get("/api/telemetry")).tokens_and_cost;
      expect(JSON.stringify(usage)).toContain('"runner"');
    });
  });

  it("keeps each instance's own gateway.yaml and executor settings in its data folder", async () => {
    expect(await redis.exists("viben:data:gateway.yaml")).toBe(0);
    expect(await redis.exists("viben:data:executors:CLAUDE_CODE.yaml")).toBe(0);
    for (const home of setup.homes)
      expect(await readFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), "utf8")).toContain("command:");
  });
});
