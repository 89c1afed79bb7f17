// Extends zod with .openapi() before the scheduler's storage modules build their schemas.
import "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { CronScheduler } from "../../../runtime/cron/scheduler.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { createTestApp, HOME, json, jsonRequest, silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

type Json = Record<string, unknown>;

async function setup(env: Record<string, string> = {}) {
  const queue = new FakeRunQueue();
  let cron: CronScheduler | undefined;
  const t = createTestApp({
    env,
    queue,
    events: createEventBus(),
    extend: ({ scopes, log }) => {
      cron = new CronScheduler({
        scope: scopes.global(),
        log,
        queue,
        logger: silentLogger,
        defaultTimezone: "Europe/Berlin",
      });
      return { cron };
    },
  });
  await cron!.start();
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await t.app.request(
      path,
      body === undefined ? { method, headers } : jsonRequest(method, body, headers),
    );
    return { status: res.status, body: await json<Json>(res) };
  };
  return { ...t, queue, cron: cron!, call };
}

const job = {
  name: "Nightly report",
  schedule: "0 2 * * *",
  agent_id: "CLAUDE_CODE",
  prompt: "write the report",
};

describe("/api/cron", () => {
  it("creates, reads, lists, updates and deletes a job, resolving and storing its timezone", async () => {
    const { call } = await setup();
    const created = await call("POST", "/api/cron", { ...job, workdir: HOME });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "nightly-report",
      timezone: "Europe/Berlin",
      enabled: true,
      misfire_policy: "skip",
      overlap_policy: "skip",
      workdir: HOME,
      last_fired_at: null,
      active_runs: 0,
    });
    expect(created.body.next_runs).toHaveLength(5);
    const one = await call("GET", "/api/cron/nightly-report?count=2");
    expect(one.body.next_runs).toHaveLength(2);
    expect((one.body.next_runs as string[])[0]).toMatch(/T0[01]:00:00.000Z$/); // 02:00 Berlin
    const list = await call("GET", "/api/cron");
    expect(list.body).toMatchObject({ total: 1, problems: [] });
    const patched = await call("PATCH", "/api/cron/nightly-report", {
      schedule: { every: "1h" },
      timezone: "UTC",
      workdir: null,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ schedule: "every 1h", timezone: "UTC" });
    expect(patched.body.workdir).toBeUndefined();
    expect((await call("DELETE", "/api/cron/nightly-report")).body).toEqual({
      success: true,
      id: "nightly-report",
    });
    expect((await call("GET", "/api/cron/nightly-report")).status).toBe(404);
  });

  it("answers 400 naming the field for bad schedules, timezones and policies", async () => {
    const { call } = await setup();
    const cases: [Json, string, RegExp][] = [
      [{ schedule: "61 * * * *" }, "schedule", /^schedule: invalid cron expression/],
      [{ schedule: "every fortnight" }, "schedule", /^schedule:/],
      [{ schedule: { every: -5 } }, "schedule.every", /^schedule\.every:/],
      [{ schedule: "at 2001-01-01T00:00:00Z" }, "schedule", /no run time after now/],
      [{ schedule: undefined }, "schedule", /^schedule: must be a string/],
      [{ timezone: "Europe/Atlantis" }, "timezone", /^timezone: unknown timezone/],
      [{ misfire_policy: "always" }, "misfire_policy", /misfire_policy/],
      [{ overlap_policy: "sometimes" }, "overlap_policy", /overlap_policy/],
    ];
    for (const [fields, field, message] of cases) {
      const res = await call("POST", "/api/cron", { ...job, ...fields });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(res.body.error).toMatch(message);
      expect(JSON.stringify(res.body.details)).toContain(field);
    }
    const patch = await call("PATCH", "/api/cron/none", { timezone: "Nowhere/Else" });
    expect(patch.status).toBe(404);
    await call("POST", "/api/cron", job);
    const badPatch = await call("PATCH", "/api/cron/nightly-report", { timezone: "Nowhere/Else" });
    expect(badPatch.status).toBe(400);
    expect(badPatch.body.error).toMatch(/^timezone:/);
    expect((await call("GET", "/api/cron/nightly-report")).body.timezone).toBe("Europe/Berlin");
  });

  it("checks the agent and the workdir when the job is written", async () => {
    const { call } = await setup();
    expect((await call("POST", "/api/cron", { ...job, agent_id: "nobody" })).status).toBe(404);
    const outside = await call("POST", "/api/cron", { ...job, workdir: "/tmp" });
    expect(outside.status).toBe(400);
    expect(outside.body.code).toBe("WORKDIR_NOT_ALLOWED");
    expect((await call("POST", "/api/cron", { ...job, id: "fixed" })).status).toBe(201);
    expect((await call("POST", "/api/cron", { ...job, id: "fixed" })).status).toBe(409);
  });

  it("runs now, pauses, resumes and lists the run history", async () => {
    const { call, queue } = await setup();
    await call("POST", "/api/cron", job);
    const run = await call("POST", "/api/cron/nightly-report/run");
    expect(run.status).toBe(202);
    expect(run.body).toMatchObject({ job_id: "nightly-report", trigger: "manual", status: "running" });
    expect(queue.jobs.get(run.body.queue_job_id as string)).toMatchObject({
      source: "cron",
      source_id: run.body.id,
      agent_id: "CLAUDE_CODE",
      max_attempts: 1,
    });
    const busy = await call("POST", "/api/cron/nightly-report/run");
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe("CRON_JOB_BUSY");
    queue.complete(run.body.queue_job_id as string, "succeeded");
    // The scheduler records the outcome asynchronously; the job is free again once it has.
    await expect
      .poll(async () => (await call("GET", "/api/cron/nightly-report/runs?limit=1")).body.runs)
      .toMatchObject([{ status: "succeeded" }]);
    const paused = await call("POST", "/api/cron/nightly-report/pause");
    expect(paused.body).toMatchObject({ enabled: false, next_runs: [] });
    const resumed = await call("POST", "/api/cron/nightly-report/resume");
    expect(resumed.body.enabled).toBe(true);
    expect(resumed.body.next_runs).toHaveLength(5);
    const runs = await call("GET", "/api/cron/nightly-report/runs?limit=5");
    expect(runs.body.runs).toMatchObject([
      {
        status: "succeeded",
        trigger: "manual",
        run_id: `run-${run.body.queue_job_id}`,
        session_id: `session-${run.body.queue_job_id}`,
      },
    ]);
    expect(Object.keys((runs.body.runs as Json[])[0]!).sort()).toEqual(
      [
        "id",
        "job_id",
        "scheduled_for",
        "trigger",
        "status",
        "started_at",
        "ended_at",
        "session_id",
        "run_id",
        "queue_job_id",
        "error",
      ].sort(),
    );
  });

  it("needs the operator role to change jobs and answers 501 without a scheduler", async () => {
    const { call } = await setup({ VIEW: "view-key-123" });
    const viewer = createTestApp({});
    expect((await viewer.app.request("/api/cron")).status).toBe(501);
    // With keys configured, a viewer can read but not create.
    const keyed = await setupWithKeys();
    expect(
      (await keyed.call("GET", "/api/cron", undefined, { authorization: "Bearer view-key-123" })).status,
    ).toBe(200);
    const denied = await keyed.call("POST", "/api/cron", job, { authorization: "Bearer view-key-123" });
    expect(denied.status).toBe(403);
    expect((await call("GET", "/api/cron")).status).toBe(200);
  });
});

async function setupWithKeys() {
  const t = await setup({ VIEW: "view-key-123" });
  await t.scopes
    .global()
    .store.write("gateway.yaml", { api_keys: [{ name: "v", key: "${VIEW}", role: "viewer" }] });
  return t;
}

describe("POST /api/cron/preview", () => {
  it("answers a schedule's next run times in a timezone without creating anything", async () => {
    const { call } = await setup();
    const preview = await call("POST", "/api/cron/preview", {
      schedule: "0 9 * * *",
      timezone: "Asia/Tokyo",
      count: 3,
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ schedule: "0 9 * * *", timezone: "Asia/Tokyo" });
    const runs = (preview.body.next_runs as string[]).map((t) => new Date(t).getTime());
    expect(runs).toHaveLength(3);
    // 09:00 in Tokyo is midnight UTC, a day apart.
    for (const t of runs) expect(new Date(t).toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect(runs[1]! - runs[0]!).toBe(86_400_000);
    // The gateway's timezone when none is given; five times by default.
    const local = await call("POST", "/api/cron/preview", { schedule: "every 5m" });
    expect(local.body).toMatchObject({ timezone: "Europe/Berlin" });
    expect(local.body.next_runs).toHaveLength(5);
    expect((await call("GET", "/api/cron")).body.jobs).toEqual([]);
  });

  it("refuses what creating a job would refuse, naming the field", async () => {
    const { call } = await setup();
    const bad = await call("POST", "/api/cron/preview", { schedule: "not a schedule" });
    expect(bad.status).toBe(400);
    expect(String(bad.body.error)).toContain("schedule");
    const zone = await call("POST", "/api/cron/preview", { schedule: "0 9 * * *", timezone: "Mars/Base" });
    expect(zone.status).toBe(400);
    expect(String(zone.body.error)).toContain("timezone");
  });
});
