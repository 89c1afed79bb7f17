import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CronScheduler } from "../../runtime/cron/scheduler.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { Scopes } from "../../storage/scopes.js";
import { FakeRunQueue } from "../helpers/fake-run-queue.js";

/** The due index: a restart reads only jobs whose files changed, are due, or have runs to recover. */
describe("cron due index", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-06-01T00:00:30Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("restarts without reading unchanged jobs, re-reads a hand-edited one, and still fires on time", async () => {
    const scopes = new Scopes({ home: "/h", globalRoot: "/h/.viben", backend: memoryBackends() });
    const log = new MemoryAppendLog();
    const queue = new FakeRunQueue();
    queue.autoComplete = () => ({ status: "succeeded" });
    const make = () =>
      new CronScheduler({
        scope: scopes.global(),
        log,
        queue,
        logger: { info() {}, warn() {}, error() {} },
        defaultTimezone: "UTC",
      });
    let cron = make();
    await cron.start();
    for (const name of ["a", "b", "c"])
      await cron.create({ name, schedule: "0 * * * *", agent_id: "coder", prompt: "p" });
    await cron.close();

    cron = make();
    expect(await cron.start()).toMatchObject({ jobs: 3, read: 0 });
    await cron.close();

    const store = scopes.global().store;
    const text = await store.readRaw("cron:jobs:b.yaml");
    await store.writeRaw("cron:jobs:b.yaml", text!.replace("0 * * * *", "30 * * * *"));
    cron = make();
    expect(await cron.start()).toMatchObject({ jobs: 3, read: 1 });
    expect((await cron.get("b")).next_runs[0]).toBe("2026-06-01T00:30:00.000Z");
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect((await cron.runs("a", 5)).map((r) => r.scheduled_for)).toEqual(["2026-06-01T01:00:00.000Z"]);
    expect((await cron.runs("b", 5)).map((r) => r.scheduled_for)).toEqual(["2026-06-01T00:30:00.000Z"]);
    await cron.close();
  });

  it("builds a missing index in a background pass: ready at once, jobs join as they are read, none is lost", async () => {
    const scopes = new Scopes({ home: "/h", globalRoot: "/h/.viben", backend: memoryBackends() });
    const log = new MemoryAppendLog();
    const queue = new FakeRunQueue();
    queue.autoComplete = () => ({ status: "succeeded" });
    const info: { msg: string }[] = [];
    const make = () =>
      new CronScheduler({
        scope: scopes.global(),
        log,
        queue,
        logger: { info: (entry: { msg: string }) => info.push(entry), warn() {}, error() {} },
        defaultTimezone: "UTC",
      });
    let cron = make();
    await cron.start();
    const count = 300;
    for (let i = 0; i < count; i++)
      await cron.create({ name: `job ${i}`, schedule: "0 * * * *", agent_id: "coder", prompt: "p" });
    await cron.close();
    // A first start: job files, no index.
    await scopes.global().store.remove(["cron:index.json"]);

    cron = make();
    const report = await cron.start();
    // Reported before any job was read: the pass goes on after start() resolved.
    expect(report).toMatchObject({ jobs: 0, read: 0, indexing: count });
    // API calls wait for the pass, then see every job.
    expect((await cron.list()).jobs).toHaveLength(count);
    expect(info.map((entry) => entry.msg)).toContain("cron jobs indexed");
    // Every job is scheduled: each fires at the next hour.
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(queue.jobs.size).toBe(count);
    await cron.close();

    // The pass wrote the index: the next start reads nothing.
    cron = make();
    expect(await cron.start()).toMatchObject({ jobs: count, read: 0, indexing: 0 });
    await cron.close();
  });
});
