import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/server.js";
import { type Json, jsonClient, openSse } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

/** Cron through the real gateway, queue and fake Claude CLI, in real time. */
describe("cron jobs in a running gateway", () => {
  let home: string;
  let log: string;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-cron-"));
    log = join(home, "fake-claude.log");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    gw = await startGateway({
      port: 0,
      env: { ...process.env, HOME: home, FAKE_CLAUDE_LOG: log, VIBEN_LOG_LEVEL: "silent" },
    });
    expect((await post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(201);
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  it("fires a per-second schedule at least twice within a few seconds, each run once", async () => {
    const sse = await openSse(`${gw.url}/api/events?type=cron_fired,run_complete`);
    const created = await post("/api/cron", {
      name: "every second",
      schedule: "* * * * * *",
      agent_id: "coder",
      prompt: "tick",
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const fired = (n: number) =>
      sse.waitFor(
        () => sse.events.filter((e) => e.type === "cron_fired" && e.job_id === id).length >= n,
        10_000,
      );
    await fired(2);
    const [first, second] = sse.events.filter((e) => e.type === "cron_fired" && e.job_id === id);
    expect(Date.parse(second!.scheduled_for as string) - Date.parse(first!.scheduled_for as string)).toBe(
      1000,
    );
    expect(first).toMatchObject({ status: "running", trigger: "schedule", agent_id: "coder" });
    expect((await post(`/api/cron/${id}/pause`, {})).status).toBe(200);
    // Every run the scheduler started ends, recorded with its session, and ran the CLI exactly once.
    const runs = await eventually(async () => {
      const body = await get(`/api/cron/${id}/runs`);
      const list = body.runs as Json[];
      expect(list.length).toBeGreaterThanOrEqual(2);
      expect(list.every((r) => r.status === "succeeded")).toBe(true);
      return list;
    });
    expect(new Set(runs.map((r) => r.scheduled_for)).size).toBe(runs.length);
    for (const run of runs) expect(run.session_id).toBeTruthy();
    const calls = (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .filter((l) => l.includes('"tick"'));
    expect(calls).toHaveLength(runs.length);
    sse.close();
  });

  it("answers 400 for a bad schedule or timezone through HTTP", async () => {
    const bad = await post("/api/cron", {
      name: "x",
      schedule: "99 * * * *",
      agent_id: "coder",
      prompt: "p",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "VALIDATION_ERROR", details: { field: "schedule" } });
    const tz = await post("/api/cron", {
      name: "x",
      schedule: "0 9 * * *",
      timezone: "Moon/Base",
      agent_id: "coder",
      prompt: "p",
    });
    expect(tz.status).toBe(400);
    expect(tz.body).toMatchObject({ details: { field: "timezone" } });
  });
});
