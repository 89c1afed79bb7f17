import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GatewayEvent } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { CronScheduler } from "../../runtime/cron/scheduler.js";
import { createEventBus } from "../../runtime/event-bus.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { Scopes } from "../../storage/scopes.js";
import { FakeRunQueue } from "../helpers/fake-run-queue.js";

/**
 * The scheduler over in-memory storage and a fake run queue, with a fake clock (vitest fakes Date and
 * timers, which croner and the scheduler both use). "Restart" = a new scheduler over the same storage.
 */
function world() {
  const scopes = new Scopes({ home: "/home/t", globalRoot: "/home/t/.viben", backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const queue = new FakeRunQueue();
  queue.autoComplete = () => ({ status: "succeeded" });
  const events = createEventBus();
  const fired: GatewayEvent[] = [];
  const sub = events.subscribe({ types: ["cron_fired"] });
  void (async () => {
    for (let e = await sub.next(); e; e = await sub.next()) fired.push(e);
  })();
  let ids = 0;
  const make = () =>
    new CronScheduler({
      scope: scopes.global(),
      log,
      queue,
      events,
      logger: silentLogger,
      newId: () => `r${++ids}`,
      defaultTimezone: "UTC",
    });
  return { scopes, log, queue, events, fired, make };
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };
const at = (iso: string) => vi.setSystemTime(new Date(iso));
const base = { agent_id: "coder", prompt: "check things" };

describe("cron scheduler with a fake clock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires a daily 02:30 Europe/Berlin job exactly once on the spring-forward day (at 03:00 CEST)", async () => {
    const w = world();
    at("2026-03-27T12:00:00Z");
    const cron = w.make();
    await cron.start();
    const job = await cron.create({
      ...base,
      name: "nightly",
      schedule: "30 2 * * *",
      timezone: "europe/berlin",
    });
    expect(job.timezone).toBe("Europe/Berlin");
    expect(job.next_runs.slice(0, 3)).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
    await vi.advanceTimersByTimeAsync(3 * 86_400_000);
    const runs = await cron.runs(job.id, 50);
    expect(runs.map((r) => [r.scheduled_for, r.status])).toEqual([
      ["2026-03-30T00:30:00.000Z", "succeeded"],
      ["2026-03-29T01:00:00.000Z", "succeeded"],
      ["2026-03-28T01:30:00.000Z", "succeeded"],
    ]);
    expect(w.queue.jobs.size).toBe(3);
    await cron.close();
  });

  it("fires 02:30 Berlin and 01:30 New York exactly once on their fall-back days (the first occurrence)", async () => {
    const w = world();
    at("2026-10-24T12:00:00Z");
    const cron = w.make();
    await cron.start();
    const berlin = await cron.create({
      ...base,
      name: "b",
      schedule: "30 2 * * *",
      timezone: "Europe/Berlin",
    });
    const ny = await cron.create({
      ...base,
      name: "n",
      schedule: "30 1 * * *",
      timezone: "America/New_York",
    });
    await vi.advanceTimersByTimeAsync(9 * 86_400_000);
    const day = (runs: { scheduled_for: string }[], date: string) =>
      runs.filter((r) => r.scheduled_for.startsWith(date));
    const berlinRuns = await cron.runs(berlin.id, 50);
    const nyRuns = await cron.runs(ny.id, 50);
    // 02:30 CEST = 00:30Z; the repeated 02:30 CET (01:30Z) does not fire again.
    expect(day(berlinRuns, "2026-10-25").map((r) => r.scheduled_for)).toEqual(["2026-10-25T00:30:00.000Z"]);
    // 01:30 EDT = 05:30Z; the repeated 01:30 EST (06:30Z) does not fire again.
    expect(day(nyRuns, "2026-11-01").map((r) => r.scheduled_for)).toEqual(["2026-11-01T05:30:00.000Z"]);
    expect(day(nyRuns, "2026-11-02").map((r) => r.scheduled_for)).toEqual(["2026-11-02T06:30:00.000Z"]);
    expect(berlinRuns.every((r) => r.status === "succeeded")).toBe(true);
    await cron.close();
  });

  it("runs a wildcard-hour job on both occurrences of the repeated hour (it is an interval, not a wall time)", async () => {
    const w = world();
    at("2026-10-25T00:10:00Z");
    const cron = w.make();
    await cron.start();
    const job = await cron.create({
      ...base,
      name: "half-hourly",
      schedule: "*/30 * * * *",
      timezone: "Europe/Berlin",
    });
    await vi.advanceTimersByTimeAsync(2 * 3_600_000);
    const times = (await cron.runs(job.id, 50)).map((r) => r.scheduled_for).reverse();
    expect(times).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z",
    ]);
    await cron.close();
  });

  it("rejects bad schedules and timezones naming the field", async () => {
    const w = world();
    at("2026-05-01T00:00:00Z");
    const cron = w.make();
    await cron.start();
    const bad = async (fields: Record<string, unknown>) =>
      cron.create({ ...base, name: "x", schedule: "* * * * *", ...fields }).then(
        () => "accepted",
        (e: Error) => e.message,
      );
    expect(await bad({ schedule: "61 * * * *" })).toMatch(/^schedule: invalid cron expression/);
    expect(await bad({ schedule: "* * *" })).toMatch(/^schedule:/);
    expect(await bad({ schedule: "every 0s" })).toMatch(/^schedule:/);
    expect(await bad({ schedule: "every soon" })).toMatch(/^schedule:/);
    expect(await bad({ schedule: { every: "5x" } })).toMatch(/^schedule\.every:/);
    expect(await bad({ schedule: "at 2026-02-30T09:00:00Z" })).toMatch(/^schedule:.*not a valid date/);
    expect(await bad({ schedule: "at 2020-01-01T00:00:00Z" })).toMatch(/^schedule:.*no run time after now/);
    expect(await bad({ schedule: "0 0 30 2 *" })).toMatch(/^schedule:.*no run time/);
    expect(await bad({ timezone: "Mars/Olympus" })).toMatch(/^timezone: unknown timezone/);
    expect(await bad({ timezone: "" })).toMatch(/^timezone:/);
    expect((await cron.list()).jobs).toHaveLength(0);
    await cron.close();
  });

  it("reads the schedule encodings: cron with seconds, every, at (local time in the job's timezone)", async () => {
    const w = world();
    at("2026-05-01T00:00:00Z");
    const cron = w.make();
    await cron.start();
    const every = await cron.create({ ...base, name: "e", schedule: { every: 90 } });
    expect(every.schedule).toBe("every 90s");
    expect(every.next_runs.slice(0, 2)).toEqual(["2026-05-01T00:01:30.000Z", "2026-05-01T00:03:00.000Z"]);
    const every5 = await cron.create({ ...base, name: "e5", schedule: "every 5m" });
    expect(every5.next_runs[0]).toBe("2026-05-01T00:05:00.000Z");
    const once = await cron.create({
      ...base,
      name: "o",
      schedule: { at: "2026-12-01T09:00:00" },
      timezone: "Europe/Berlin",
    });
    expect(once.schedule).toBe("at 2026-12-01T09:00:00");
    expect(once.next_runs).toEqual(["2026-12-01T08:00:00.000Z"]);
    const secs = await cron.create({ ...base, name: "s", schedule: "*/10 * * * * *" });
    expect(secs.next_runs.slice(0, 2)).toEqual(["2026-05-01T00:00:10.000Z", "2026-05-01T00:00:20.000Z"]);
    await cron.close();
  });

  it("records missed runs at restart by policy: skip records them, run_once runs the latest once", async () => {
    const w = world();
    at("2026-06-01T00:00:30Z");
    let cron = w.make();
    await cron.start();
    const skip = await cron.create({ ...base, name: "skip", schedule: "* * * * *" });
    const once = await cron.create({
      ...base,
      name: "once",
      schedule: "* * * * *",
      misfire_policy: "run_once",
    });
    await vi.advanceTimersByTimeAsync(60_000); // fires 00:01 for both
    await cron.close();
    at("2026-06-01T00:05:10Z"); // down through 00:02 … 00:05
    cron = w.make();
    await cron.start();
    const skipRuns = await cron.runs(skip.id, 20);
    expect(skipRuns.map((r) => [r.scheduled_for.slice(11, 16), r.status])).toEqual([
      ["00:05", "missed"],
      ["00:04", "missed"],
      ["00:03", "missed"],
      ["00:02", "missed"],
      ["00:01", "succeeded"],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    const onceRuns = await cron.runs(once.id, 20);
    expect(onceRuns.map((r) => [r.scheduled_for.slice(11, 16), r.status, r.trigger])).toEqual([
      ["00:05", "succeeded", "catch_up"],
      ["00:04", "missed", "schedule"],
      ["00:03", "missed", "schedule"],
      ["00:02", "missed", "schedule"],
      ["00:01", "succeeded", "schedule"],
    ]);
    expect(w.queue.jobs.size).toBe(3);
    // A third start owes nothing: the watermark was written before anything ran.
    await cron.close();
    cron = w.make();
    await cron.start();
    expect(await cron.runs(once.id, 20)).toHaveLength(5);
    expect(w.queue.jobs.size).toBe(3);
    await cron.close();
  });

  it("clears a running marker left by a crash: interrupted when the queue lost it, its outcome when it ended", async () => {
    const w = world();
    at("2026-06-01T00:00:30Z");
    w.queue.autoComplete = undefined;
    let cron = w.make();
    await cron.start();
    const a = await cron.create({ ...base, name: "a", schedule: "* * * * *" });
    const b = await cron.create({ ...base, name: "b", schedule: "* * * * *" });
    await vi.advanceTimersByTimeAsync(30_000); // 00:01 fires; both runs stay in the queue
    expect((await cron.get(a.id)).active_runs).toBe(1);
    // "Crash": this scheduler is dropped without closing; the queue ends one run and forgets the other.
    await cron.stop();
    const [qa, qb] = [...w.queue.jobs.values()];
    w.queue.complete(qa!.id, "succeeded");
    w.queue.jobs.delete(qb!.id);
    cron = w.make();
    await cron.start();
    const [ra] = await cron.runs(a.id, 5);
    const [rb] = await cron.runs(b.id, 5);
    expect(ra).toMatchObject({
      status: "succeeded",
      run_id: `run-${qa!.id}`,
      session_id: `session-${qa!.id}`,
    });
    expect(rb).toMatchObject({ status: "interrupted", queue_job_id: qb!.id });
    expect(rb?.error).toMatch(/no record/);
    expect((await cron.get(a.id)).active_runs).toBe(0);
    expect((await cron.get(b.id)).active_runs).toBe(0);
    await cron.close();
  });

  it("never replays a time when the clock steps back", async () => {
    const w = world();
    at("2026-06-01T10:00:30Z");
    const cron = w.make();
    await cron.start();
    const job = await cron.create({ ...base, name: "c", schedule: "* * * * *" });
    await vi.advanceTimersByTimeAsync(120_000); // 10:01, 10:02
    at("2026-06-01T10:00:40Z"); // NTP steps the clock back two minutes
    await vi.advanceTimersByTimeAsync(150_000); // wall clock reaches 10:03:10
    const times = (await cron.runs(job.id, 20)).map((r) => r.scheduled_for.slice(11, 16)).reverse();
    expect(times).toEqual(["10:01", "10:02", "10:03"]);
    await cron.close();
  });

  it("applies overlap policies: skip records skipped, queue waits for the run, allow overlaps", async () => {
    const w = world();
    at("2026-06-01T00:00:30Z");
    w.queue.autoComplete = undefined;
    const cron = w.make();
    await cron.start();
    const skip = await cron.create({ ...base, name: "skip", schedule: "* * * * *" });
    const queue = await cron.create({
      ...base,
      name: "queue",
      schedule: "* * * * *",
      overlap_policy: "queue",
    });
    const allow = await cron.create({
      ...base,
      name: "allow",
      schedule: "* * * * *",
      overlap_policy: "allow",
    });
    await vi.advanceTimersByTimeAsync(3 * 60_000); // 00:01, 00:02, 00:03 while the first runs hang
    const statuses = async (id: string) => (await cron.runs(id, 10)).map((r) => r.status).reverse();
    expect(await statuses(skip.id)).toEqual(["running", "skipped", "skipped"]);
    expect(await statuses(queue.id)).toEqual(["running", "queued", "skipped"]);
    expect(await statuses(allow.id)).toEqual(["running", "running", "running"]);
    await expect(cron.runNow(skip.id)).rejects.toMatchObject({ code: "CRON_JOB_BUSY" });
    // The queued firing starts once the running one ends.
    const first = w.queue
      .list({ source: "cron" })
      .then((jobs) => jobs.find((j) => j.metadata?.cron_job_id === queue.id));
    w.queue.complete((await first)!.id, "failed", "exit 3");
    await vi.advanceTimersByTimeAsync(0);
    const queueRuns = (await cron.runs(queue.id, 10)).reverse();
    expect(queueRuns.map((r) => r.status)).toEqual(["failed", "running", "skipped"]);
    expect(queueRuns[0]?.error).toBe("exit 3");
    await cron.close();
  });

  it("runs now, pauses (no misfires for paused time) and resumes; publishes cron_fired", async () => {
    const w = world();
    at("2026-06-01T00:00:30Z");
    const cron = w.make();
    await cron.start();
    const job = await cron.create({ ...base, name: "p", schedule: "* * * * *" });
    const manual = await cron.runNow(job.id);
    expect(manual).toMatchObject({ trigger: "manual", status: "running", queue_job_id: "q1" });
    await cron.pause(job.id);
    expect((await cron.get(job.id)).next_runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const resumed = await cron.resume(job.id);
    expect(resumed.next_runs[0]).toBe("2026-06-01T00:11:00.000Z");
    await vi.advanceTimersByTimeAsync(60_000);
    const runs = await cron.runs(job.id, 20);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ["schedule", "succeeded"],
      ["manual", "succeeded"],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(w.fired.map((e) => e.status)).toEqual(["running", "running"]);
    expect(w.fired[0]).toMatchObject({
      type: "cron_fired",
      job_id: job.id,
      agent_id: "coder",
      trigger: "manual",
    });
    await cron.close();
  });

  it("fires a one-shot once, then has no next run; records a failed enqueue", async () => {
    const w = world();
    at("2026-06-01T00:00:00Z");
    const cron = w.make();
    await cron.start();
    const once = await cron.create({ ...base, name: "once", schedule: "at 2026-06-01T00:00:05Z" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect((await cron.runs(once.id, 5)).map((r) => r.status)).toEqual(["succeeded"]);
    expect((await cron.get(once.id)).next_runs).toEqual([]);
    w.queue.failEnqueue = "agent 'coder' not found";
    const failed = await cron.runNow(once.id);
    expect(failed).toMatchObject({ status: "failed", error: "agent 'coder' not found" });
    expect((await cron.get(once.id)).active_runs).toBe(0);
    await cron.close();
  });
});
