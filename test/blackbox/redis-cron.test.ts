import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

/** Two gateways (own data folders, one Redis) with the same per-second job, in real time. */
describe("cron across two gateway instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  let homes: string[];

  beforeAll(async () => {
    setup = await startRedisGateways("cron", 2);
    ({ gateways, homes } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("deals with every second once across both instances, and each run ran the CLI once", async () => {
    const clients = gateways.map((gw) => jsonClient(() => gw.url));
    for (const { post } of clients) {
      expect((await post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(201);
      const created = await post("/api/cron", {
        name: "every second",
        schedule: "* * * * * *",
        agent_id: "coder",
        prompt: "tick",
        overlap_policy: "allow",
      });
      expect(created.status).toBe(201);
    }
    const runsOf = async (get: (path: string) => Promise<Json>) =>
      ((await get("/api/cron/every-second/runs")).runs as Json[]) ?? [];
    // At least four seconds fired between the two of them.
    await eventually(async () => {
      const all = (await Promise.all(clients.map(({ get }) => runsOf(get)))).flat();
      expect(all.filter((run) => run.status !== "missed").length).toBeGreaterThanOrEqual(4);
    }, 30_000);
    for (const { post } of clients) expect((await post("/api/cron/every-second/pause", {})).status).toBe(200);
    const perInstance = await eventually(async () => {
      const lists = await Promise.all(clients.map(({ get }) => runsOf(get)));
      for (const list of lists)
        expect(list.filter((r) => r.status === "running" || r.status === "queued")).toEqual([]);
      return lists;
    }, 30_000);
    const times = perInstance.flat().map((run) => run.scheduled_for as string);
    // No second was dealt with by both instances.
    expect(new Set(times).size).toBe(times.length);
    for (const [i, list] of perInstance.entries()) {
      const ran = list.filter((run) => run.status === "succeeded");
      const log = await readFile(join(homes[i]!, "fake-claude.log"), "utf8").catch(() => "");
      const calls = log.split("\n").filter((line) => line.includes('"tick"'));
      expect(calls).toHaveLength(ran.length);
    }
  });
});
