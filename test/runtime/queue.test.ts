import { describe, expect, it } from "vitest";
import { queueHarness } from "../fixtures/queue-harness.js";

/** The scheduling rules of the run queue, on a manual clock with fake runs: nothing sleeps. */
describe("run queue scheduling", () => {
  it("runs higher priorities first and FIFO within a priority, with positions and waiting times", async () => {
    const { queue, runs, clock, enqueue } = queueHarness({ settings: { concurrency: 1 } });
    await queue.open();
    const a = await enqueue("a");
    clock.advance(1000);
    const b = await enqueue("b");
    const c = await enqueue("c", { priority: 5 });
    const d = await enqueue("d");
    clock.advance(4000);
    const listed = await queue.list({ status: "queued" });
    expect(listed.map((j) => [j.prompt, j.position])).toEqual([
      ["c", 1],
      ["a", 2],
      ["b", 3],
      ["d", 4],
    ]);
    expect((await queue.get(a.id))?.waiting_ms).toBe(5000);
    expect((await queue.get(b.id))?.waiting_ms).toBe(4000);

    queue.start();
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["c"]);
    expect((await queue.get(c.id))?.status).toBe("running");
    expect((await queue.get(c.id))?.position).toBeUndefined();
    expect((await queue.get(a.id))?.position).toBe(1);
    for (const next of ["c", "a", "b"]) {
      runs.byPrompt(next).finish();
      await queue.whenIdle();
    }
    runs.byPrompt("d").finish();
    expect((await queue.waitFor(d.id)).status).toBe("succeeded");
    expect(runs.prompts).toEqual(["c", "a", "b", "d"]);
  });

  it("limits concurrency globally, per agent and per workspace; a blocked job does not hold others back", async () => {
    const { queue, runs, enqueue } = queueHarness({
      settings: { concurrency: 3, per_agent: 1, per_workspace: 2 },
    });
    await queue.open();
    await enqueue("x1", { agent_id: "x", workspace_path: "/ws/a", priority: 9 });
    await enqueue("x2", { agent_id: "x", workspace_path: "/ws/a", priority: 9 });
    await enqueue("y1", { agent_id: "y", workspace_path: "/ws/a" });
    await enqueue("z1", { agent_id: "z", workspace_path: "/ws/a" });
    await enqueue("w1", { agent_id: "w", workspace_path: "/ws/b" });
    await enqueue("v1", { agent_id: "v", workspace_path: "/ws/c" });
    queue.start();
    await queue.whenIdle();
    // x2: agent x is busy; z1: workspace a is full; v1: the global limit (3) is reached.
    expect(runs.running().map((r) => r.request.prompt)).toEqual(["x1", "y1", "w1"]);
    const lanes = await queue.lanes();
    expect(lanes.limits).toEqual({ concurrency: 3, per_agent: 1, per_workspace: 2 });
    expect(lanes.global).toEqual({ running: 3, queued: 3, limit: 3 });
    expect(lanes.agents.find((l) => l.agent_id === "x")).toEqual({
      agent_id: "x",
      running: 1,
      queued: 1,
      limit: 1,
    });
    expect(lanes.workspaces.find((l) => l.workspace_path === "/ws/a")).toEqual({
      workspace_path: "/ws/a",
      running: 2,
      queued: 2,
      limit: 2,
    });

    runs.byPrompt("x1").finish();
    await queue.whenIdle();
    // x2 (priority 9) takes the free slot in workspace a, ahead of z1.
    expect(runs.running().map((r) => r.request.prompt)).toEqual(["y1", "w1", "x2"]);
    runs.byPrompt("w1").finish();
    await queue.whenIdle();
    expect(runs.running().map((r) => r.request.prompt)).toEqual(["y1", "x2", "v1"]);
  });

  it("frees a lane once the run's processes are gone, while its records are still written; its session stays taken", async () => {
    const { queue, runs, enqueue } = queueHarness({ settings: { concurrency: 1 } });
    await queue.open();
    const a = await enqueue("a", { session_id: "s1" });
    const c = await enqueue("c", { session_id: "s1" });
    const b = await enqueue("b");
    queue.start();
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["a"]);

    runs.byPrompt("a").exit();
    await queue.whenIdle();
    // The freed lane goes to b: c is ahead of it, but its session is a's until a's job is settled.
    expect(runs.prompts).toEqual(["a", "b"]);
    expect((await queue.get(a.id))?.status).toBe("running");
    expect((await queue.lanes()).global).toEqual({ running: 1, queued: 1, limit: 1 });

    runs.byPrompt("a").finish();
    expect((await queue.waitFor(a.id)).status).toBe("succeeded");
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["a", "b"]);
    runs.byPrompt("b").finish();
    expect((await queue.waitFor(b.id)).status).toBe("succeeded");
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["a", "b", "c"]);
    runs.byPrompt("c").finish();
    expect((await queue.waitFor(c.id)).status).toBe("succeeded");
  });

  it("starts every job that fits in one pass", async () => {
    const { queue, runs, enqueue } = queueHarness({ settings: { concurrency: 3, per_workspace: 3 } });
    await queue.open();
    for (const agent of ["a", "b", "c", "d"]) await enqueue(agent, { agent_id: agent });
    queue.start();
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["a", "b", "c"]);
  });

  it("retries a failed run with exponential backoff until max_attempts, then fails with every attempt recorded", async () => {
    const { queue, runs, clock, enqueue } = queueHarness({
      settings: { backoff_ms: 1000, max_backoff_ms: 60_000 },
    });
    await queue.open();
    queue.start();
    const job = await enqueue("flaky", { max_attempts: 3 });
    await queue.whenIdle();
    runs.byPrompt("flaky").finish("failed", "exit 3");
    await queue.whenIdle();
    let now = await queue.get(job.id);
    expect(now).toMatchObject({ status: "queued", attempts: 1, error: "exit 3" });
    expect(Date.parse(now!.not_before!) - clock.now()).toBe(1000);

    clock.advance(999);
    await queue.whenIdle();
    expect(runs.runs).toHaveLength(1);
    clock.advance(1);
    await queue.whenIdle();
    expect(runs.runs).toHaveLength(2);
    runs.byPrompt("flaky").finish("timeout");
    await queue.whenIdle();
    now = await queue.get(job.id);
    expect(Date.parse(now!.not_before!) - clock.now()).toBe(2000);
    clock.advance(2000);
    await queue.whenIdle();
    runs.byPrompt("flaky").finish("failed", "still broken");
    const final = await queue.waitFor(job.id);
    expect(final).toMatchObject({ status: "failed", attempts: 3, error: "still broken" });
    expect(final.attempt_log?.map((a) => [a.n, a.status, a.run_id])).toEqual([
      [1, "failed", "run-1"],
      [2, "failed", "run-2"],
      [3, "failed", "run-3"],
    ]);
    // A retry continues the first attempt's conversation.
    expect(runs.runs.map((r) => r.request.sessionId)).toEqual([undefined, "session-1", "session-1"]);
  });

  it("does not retry what can never work (an unknown agent), and retries a failed start", async () => {
    const { queue, runs, clock, enqueue } = queueHarness({ settings: { backoff_ms: 10 } });
    await queue.open();
    queue.start();
    const bad = await enqueue("bad agent", { max_attempts: 5 });
    expect(await queue.waitFor(bad.id)).toMatchObject({ status: "failed", attempts: 1 });

    runs.failNextStart(Object.assign(new Error("session busy"), { code: "SESSION_BUSY", kind: "conflict" }));
    const job = await enqueue("once more", { max_attempts: 2 });
    await queue.whenIdle();
    expect(await queue.get(job.id)).toMatchObject({ status: "queued", attempts: 1, error: "session busy" });
    clock.advance(10);
    await queue.whenIdle();
    runs.byPrompt("once more").finish();
    expect(await queue.waitFor(job.id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("cancels a queued job at once and a running one by stopping its run", async () => {
    const { queue, runs, enqueue } = queueHarness({ settings: { concurrency: 1 } });
    await queue.open();
    queue.start();
    const first = await enqueue("first");
    const second = await enqueue("second");
    const third = await enqueue("third");
    await queue.whenIdle();
    const cancelled = await queue.cancel(second.id);
    expect(cancelled).toMatchObject({ status: "cancelled", attempts: 0, error: "cancelled before it ran" });
    expect((await queue.get(third.id))?.position).toBe(1);

    const stopped = await queue.cancel(first.id);
    expect(stopped).toMatchObject({ status: "cancelled", attempts: 1 });
    expect(stopped.attempt_log?.[0]).toMatchObject({ status: "cancelled", run_id: "run-1" });
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["first", "third"]);
    // Cancelling twice answers the same; a finished job cannot be cancelled.
    expect((await queue.cancel(second.id)).status).toBe("cancelled");
    runs.byPrompt("third").finish();
    await queue.waitFor(third.id);
    await expect(queue.cancel(third.id)).rejects.toMatchObject({ code: "JOB_FINISHED" });
    await expect(queue.cancel("nope")).rejects.toMatchObject({ code: "JOB_NOT_FOUND" });
  });

  it("never runs two jobs of one session at once", async () => {
    const { queue, runs, enqueue } = queueHarness({ settings: { per_agent: 5 } });
    await queue.open();
    queue.start();
    await enqueue("one", { session_id: "s-1" });
    const two = await enqueue("two", { session_id: "s-1" });
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["one"]);
    runs.byPrompt("one").finish();
    await queue.whenIdle();
    runs.byPrompt("two").finish();
    expect((await queue.waitFor(two.id)).status).toBe("succeeded");
  });

  it("starts no run while the attempt's journal line is not on disk, and puts the job back uncharged when it fails", async () => {
    const { queue, runs, clock, enqueue, log } = queueHarness({ settings: { concurrency: 1 } });
    await queue.open();
    const job = await enqueue("a");
    // The next journal write (the attempt marked running) fails once, as a full disk would.
    const append = log.append.bind(log);
    let failNext = true;
    log.append = async (key, records) => {
      if (failNext) {
        failNext = false;
        throw new Error("ENOSPC: no space left on device");
      }
      return append(key, records);
    };
    queue.start();
    await queue.whenIdle();
    expect(runs.runs).toHaveLength(0);
    expect(await queue.get(job.id)).toMatchObject({ status: "queued", attempts: 0 });
    // Tried again after a pause; this time the line is written before the run starts.
    clock.advance(1000);
    await queue.whenIdle();
    expect(runs.prompts).toEqual(["a"]);
    expect(await queue.get(job.id)).toMatchObject({ status: "running", attempts: 1 });
    runs.byPrompt("a").finish();
    expect((await queue.waitFor(job.id)).status).toBe("succeeded");
  });

  it("refuses bad input before writing anything", async () => {
    const { queue, log } = queueHarness();
    await queue.open();
    await expect(queue.enqueue({ agent_id: "", prompt: "x", source: "api" })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
    });
    await expect(
      queue.enqueue({ agent_id: "a", prompt: "x", source: "api", max_attempts: 0 }),
    ).rejects.toThrow(/max_attempts/);
    expect(await log.count("queue:journal.jsonl")).toBe(0);
  });

  it("filters the list by status, agent and source", async () => {
    const { queue, enqueue } = queueHarness();
    await queue.open();
    await enqueue("a", { agent_id: "one" });
    await enqueue("b", { agent_id: "two", source: "cron", source_id: "nightly" });
    expect((await queue.list({ agent_id: "two" })).map((j) => j.prompt)).toEqual(["b"]);
    expect((await queue.list({ source: "cron" }))[0]).toMatchObject({ source_id: "nightly", position: 2 });
    expect(await queue.list({ status: "running" })).toEqual([]);
    expect(await queue.list({ limit: 1 })).toHaveLength(1);
  });
});
