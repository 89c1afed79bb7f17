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
});
