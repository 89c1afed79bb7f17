import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../../../handlers/capabilities/logger.js";
import { CronScheduler } from "../../../runtime/cron/scheduler.js";
import { connectRedis, type RedisConnection } from "../../../runtime/redis/connection.js";
import { redisCronClaims } from "../../../runtime/redis/cron-claims.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { compileRedisSettings } from "../../../storage/redis-settings.js";
import { Scopes } from "../../../storage/scopes.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

const silent: Logger = { info() {}, warn() {}, error() {} };

/**
 * Gateway instances, each with its own storage and queue (as with separate data folders), sharing one
 * Redis for the claims. The clock is vitest's (Date and timers); Redis answers in real time, so each step
 * waits (on real I/O, not timers) until every instance has dealt with the time.
 */
function instance(redis: RedisConnection, name: string) {
  const scopes = new Scopes({
    home: `/home/${name}`,
    globalRoot: `/home/${name}/.viben`,
    backend: memoryBackends(),
  });
  const queue = new FakeRunQueue();
  queue.autoComplete = () => ({ status: "succeeded" });
  const cron = new CronScheduler({
    scope: scopes.global(),
    log: new MemoryAppendLog(),
    queue,
    logger: silent,
    defaultTimezone: "UTC",
    claims: redisCronClaims(redis),
  });
  const handledUntil = async (jobId: string): Promise<string | undefined> =>
    (await scopes.global().store.read(`cron:state:${jobId}.yaml`))?.data.handled_until as string | undefined;
  return { cron, queue, handledUntil };
}

/** Waits on real I/O (setImmediate is not faked) until `check` holds; fails after 20 s of real time. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = performance.now() + 20_000;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resume) => setImmediate(resume));
  }
}

const scheduledTimes = (queue: FakeRunQueue) =>
  [...queue.jobs.values()].map((job) => String(job.metadata?.scheduled_for));

describe("cron in multi-instance mode: each scheduled time fires on one instance (real redis-server)", () => {
  let server: RedisServer;
  let redis: RedisConnection;
  beforeAll(async () => {
    server = await startRedisServer();
    const settings = compileRedisSettings({ url: server.url, prefix: "cron-test" }, {});
    if (!settings) throw new Error("settings expected");
    redis = await connectRedis(settings);
  });
  afterAll(async () => {
    await redis?.close();
    await server?.stop();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    vi.setSystemTime(new Date("2026-12-01T00:00:30Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("100 per-minute times across three instances fire once each; a late fourth fires none of them again", async () => {
    const instances = ["a", "b", "c"].map((name) => instance(redis, name));
    const jobIds: string[] = [];
    for (const gw of instances) {
      await gw.cron.start();
      const job = await gw.cron.create({
        name: "tick",
        agent_id: "coder",
        prompt: "tick",
        schedule: "* * * * *",
        misfire_policy: "run_once",
      });
      jobIds.push(job.id);
    }
    expect(new Set(jobIds).size).toBe(1);
    const jobId = jobIds[0]!;
    const expected: string[] = [];
    for (let minute = 1; minute <= 100; minute++) {
      await vi.advanceTimersByTimeAsync(60_000);
      const time = new Date(Date.UTC(2026, 11, 1, 0, minute)).toISOString();
      expected.push(time);
      await until(
        async () =>
          (await Promise.all(instances.map((gw) => gw.handledUntil(jobId)))).every(
            (handled) => handled !== undefined && handled >= time,
          ),
        `every instance to deal with ${time}`,
      );
    }
    const fired = instances.flatMap((gw) => scheduledTimes(gw.queue)).sort();
    expect(fired).toEqual(expected);
    // An instance that was down the whole time starts with the job's watermark at its creation: every time
    // it owes was dealt with elsewhere, so it neither catches up (run_once) nor records misses.
    const late = instance(redis, "d");
    await late.cron.start();
    await late.cron.create({
      name: "tick",
      agent_id: "coder",
      prompt: "tick",
      schedule: "* * * * *",
      misfire_policy: "run_once",
    });
    await vi.advanceTimersByTimeAsync(30_000);
    const next = new Date(Date.UTC(2026, 11, 1, 1, 41)).toISOString();
    await vi.advanceTimersByTimeAsync(30_000);
    await until(
      async () =>
        (await Promise.all([...instances, late].map((gw) => gw.handledUntil(jobId)))).every(
          (handled) => handled !== undefined && handled >= next,
        ),
      "the 101st time",
    );
    const all = [...instances, late].flatMap((gw) => scheduledTimes(gw.queue)).sort();
    expect(all).toEqual([...expected, next]);
    const lateRuns = await late.cron.runs(jobId, 500);
    expect(lateRuns.filter((run) => run.scheduled_for <= expected.at(-1)!)).toEqual([]);
    for (const gw of [...instances, late]) await gw.cron.close();
  });
});
