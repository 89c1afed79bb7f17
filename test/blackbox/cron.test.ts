import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
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
    // Two runs started. On a slow machine a run may outlast its second: the firing meanwhile is then
    // skipped (overlap_policy skip), so the test counts started runs, not firings.
    const started = () =>
      sse.events.filter((e) => e.type === "cron_fired" && e.job_id === id && e.status === "running");
    await sse.waitFor(() => started().length >= 2, 30_000);
    expect(started()[0]).toMatchObject({ status: "running", trigger: "schedule", agent_id: "coder" });
    expect((await post(`/api/cron/${id}/pause`, {})).status).toBe(200);
    const runs = await eventually(async () => {
      const body = await get(`/api/cron/${id}/runs`);
      const list = body.runs as Json[];
      expect(list.filter((r) => r.status === "running" || r.status === "queued")).toEqual([]);
      return list;
    });
    // Every second from the first firing to the last was dealt with exactly once: a run that succeeded,
    // a firing skipped while the previous run went on, or one missed while the scheduler was held up.
    const times = runs.map((r) => Date.parse(r.scheduled_for as string)).sort((a, b) => a - b);
    expect(times).toEqual(times.map((_, i) => times[0]! + i * 1000));
    const notRun = new Set(["skipped", "missed"]);
    expect(runs.filter((r) => !notRun.has(r.status as string)).every((r) => r.status === "succeeded")).toBe(
      true,
    );
    // Every run the scheduler started ended, recorded with its session, and ran the CLI exactly once.
    const ran = runs.filter((r) => r.status === "succeeded");
    expect(ran.length).toBeGreaterThanOrEqual(2);
    for (const run of ran) expect(run.session_id).toBeTruthy();
    const calls = (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .filter((l) => l.includes('"tick"'));
    expect(calls).toHaveLength(ran.length);
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
