import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GatewayEvent } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { BackgroundTaskScheduler } from "../../runtime/background-tasks.js";
import { createEventBus } from "../../runtime/event-bus.js";
import { BackgroundTaskRepository } from "../../storage/background-tasks.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { Scopes } from "../../storage/scopes.js";
import { FakeRunQueue } from "../helpers/fake-run-queue.js";

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function world() {
  const scopes = new Scopes({ home: "/home/t", globalRoot: "/home/t/.viben", backend: memoryBackends() });
  const queue = new FakeRunQueue();
  const events = createEventBus();
  const seen: GatewayEvent[] = [];
  const sub = events.subscribe({
    types: ["background_task_started", "background_task_ended", "background_task_reminder"],
  });
  void (async () => {
    for (let e = await sub.next(); e; e = await sub.next()) seen.push(e);
  })();
  const make = () =>
    new BackgroundTaskScheduler({
      repository: new BackgroundTaskRepository(scopes.global()),
      queue,
      events,
      logger: silentLogger,
      defaultAgent: async () => "claude",
    });
  return { scopes, queue, seen, make };
}

describe("BackgroundTaskScheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2026-03-01T09:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("hands a task to the queue at runAt, records the outcome and schedules the next occurrence", async () => {
    const { queue, make } = world();
    queue.autoComplete = () => ({ status: "succeeded" });
    const tasks = make();
    await tasks.load();
    await tasks.start();
    const t0 = Date.now();
    const first = await tasks.create({
      kind: "deferred-run",
      sessionKey: "cli:main",
      payload: "Check the build",
      runAt: t0 + 60_000,
      recurEveryMs: 30_000,
    });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(queue.jobs.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await tasks.settled();
    const [job] = [...queue.jobs.values()];
    expect(job).toMatchObject({
      agent_id: "claude",
      prompt: "Check the build",
      source: "api",
      source_id: `background-task:${first.id}`,
    });
    expect(tasks.get(first.id)).toMatchObject({
      status: "complete",
      startedAt: t0 + 60_000,
      jobId: job!.id,
      runId: `run-${job!.id}`,
      sessionId: `session-${job!.id}`,
      error: null,
    });
    // The next occurrence is a new task, recurEveryMs after the run ended, on the same session.
    const next = tasks.list({ status: "scheduled" });
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({
      runAt: t0 + 60_000 + 30_000,
      recurEveryMs: 30_000,
      previousTaskId: first.id,
      sessionId: `session-${job!.id}`,
    });
    await vi.advanceTimersByTimeAsync(30_000);
    await tasks.settled();
    expect(queue.jobs.size).toBe(2);
    expect([...queue.jobs.values()][1]!.session_id).toBe(`session-${job!.id}`);
    expect(tasks.counts()).toEqual({ total: 3, scheduled: 1, running: 0, complete: 2 });
    await tasks.stop();
  });

  it("records a failed run as an error and still recurs; a reminder only announces itself", async () => {
    const { queue, make, seen } = world();
    queue.autoComplete = () => ({ status: "failed", error: "exit code 2" });
    const tasks = make();
    await tasks.start();
    const failing = await tasks.create({
      kind: "deferred-now",
      sessionKey: "k",
      payload: "x",
      recurEveryMs: 5000,
    });
    const reminder = await tasks.create({ kind: "reminder", sessionKey: "k", payload: "Stretch" });
    await vi.advanceTimersByTimeAsync(0);
    await tasks.settled();
    expect(tasks.get(failing.id)).toMatchObject({ status: "error", error: "the run failed: exit code 2" });
    expect(tasks.list({ status: "scheduled" })).toHaveLength(1);
    expect(tasks.get(reminder.id)).toMatchObject({ status: "complete", result: "⏰ Reminder: Stretch" });
    expect(queue.jobs.size).toBe(1);
    await vi.waitFor(() =>
      expect(seen.find((e) => e.type === "background_task_reminder")).toMatchObject({
        task_id: reminder.id,
        message: "⏰ Reminder: Stretch",
      }),
    );
    await tasks.stop();
  });

  it("keeps times across a restart and follows a running task's job to its end", async () => {
    const { queue, make } = world();
    const before = make();
    await before.start();
    const t0 = Date.now();
    const running = await before.create({ kind: "deferred-run", sessionKey: "a", payload: "long" });
    const waiting = await before.create({
      kind: "deferred-run",
      sessionKey: "b",
      payload: "later",
      runAt: t0 + 600_000,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(before.get(running.id)?.status).toBe("running");
    // The gateway stops while the job still runs.
    await before.stop();

    const after = make();
    await after.load();
    expect(after.get(running.id)).toMatchObject({ status: "running", jobId: "q1" });
    expect(after.get(waiting.id)).toMatchObject({ status: "scheduled", runAt: t0 + 600_000 });
    await after.start();
    queue.complete("q1", "succeeded");
    await after.settled();
    expect(after.get(running.id)?.status).toBe("complete");
    expect(queue.jobs.size).toBe(1); // not queued a second time
    queue.autoComplete = () => ({ status: "succeeded" });
    await vi.advanceTimersByTimeAsync(600_000);
    await after.settled();
    expect(queue.jobs.size).toBe(2);
    await after.stop();
  });

  it("cancels a scheduled task before it runs and a running one by cancelling its job", async () => {
    const { queue, make } = world();
    const tasks = make();
    await tasks.start();
    const planned = await tasks.create({
      kind: "deferred-run",
      sessionKey: "a",
      payload: "p",
      runAt: Date.now() + 1000,
      recurEveryMs: 1000,
    });
    const now = await tasks.create({ kind: "deferred-run", sessionKey: "b", payload: "q" });
    await vi.advanceTimersByTimeAsync(0);
    expect(await tasks.cancel(planned.id)).toBe(true);
    expect(await tasks.cancel(now.id)).toBe(true);
    expect(queue.jobs.get("q1")?.status).toBe("cancelled");
    await vi.advanceTimersByTimeAsync(5000);
    await tasks.settled();
    expect(queue.jobs.size).toBe(1);
    expect(tasks.get(now.id)?.status).toBe("cancelled");
    expect(tasks.list({ status: "scheduled" })).toEqual([]);
    expect(await tasks.cancel(now.id)).toBe(false);
    await tasks.stop();
  });
});
