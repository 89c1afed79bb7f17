import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

/** Two gateways (own data folders, global data shared through one Redis) with one per-second job, in real time. */
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

  it("deals with every second of a job created on A once across both instances, each run running the CLI once", async () => {
    const clients = gateways.map((gw) => jsonClient(() => gw.url));
    const [onA, onB] = clients as [ReturnType<typeof jsonClient>, ReturnType<typeof jsonClient>];
    // Agents and cron jobs are shared: created once, on A; B schedules the job too.
    expect((await onA.post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(201);
    const created = await onA.post("/api/cron", {
      name: "every second",
      schedule: "* * * * * *",
      agent_id: "coder",
      prompt: "tick",
      overlap_policy: "allow",
    });
    expect(created.status).toBe(201);
    await eventually(async () => {
      expect(await onB.get("/api/cron/every-second")).toMatchObject({ id: "every-second", enabled: true });
    });
    const runsOf = async (get: (path: string) => Promise<Json>) =>
      ((await get("/api/cron/every-second/runs")).runs as Json[]) ?? [];
    await eventually(async () => {
      expect((await runsOf(onB.get)).filter((run) => run.status !== "missed").length).toBeGreaterThanOrEqual(
        4,
      );
    }, 30_000);
    // Paused on B: A hears of it and stops too.
    expect((await onB.post("/api/cron/every-second/pause", {})).status).toBe(200);
    const runs = await eventually(async () => {
      const list = await runsOf(onA.get);
      expect(list.filter((r) => r.status === "running" || r.status === "queued")).toEqual([]);
      return list;
    }, 30_000);
    const times = runs.map((run) => run.scheduled_for as string);
    // No second was dealt with twice (by both instances).
    expect(new Set(times).size).toBe(times.length);
    const ran = runs.filter((run) => run.status === "succeeded");
    const logs = await Promise.all(
      homes.map((home) => readFile(join(home, "fake-claude.log"), "utf8").catch(() => "")),
    );
    const calls = logs
      .join("\n")
      .split("\n")
      .filter((line) => line.includes('"tick"'));
    expect(calls).toHaveLength(ran.length);
  });
});
