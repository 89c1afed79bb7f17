import { describe, expect, it } from "vitest";
import { ManualClock } from "../../runtime/queue/manual-clock.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { QUEUE_JOURNAL_KEY, QUEUE_SNAPSHOT_KEY, QueueJournal } from "../../storage/queue-journal.js";
import { queueHarness } from "../fixtures/queue-harness.js";

/**
 * What survives a crash: a second queue over the same journal stands for the gateway started again after
 * a SIGKILL (the first queue is simply abandoned, its runs never reported).
 */
describe("run queue durability", () => {
  it("keeps queued jobs in order and settles running ones by policy after a crash", async () => {
    const log = new MemoryAppendLog();
    const clock = new ManualClock();
    const first = queueHarness({ log, clock, settings: { concurrency: 2, per_agent: 5, backoff_ms: 500 } });
    await first.queue.open();
    first.queue.start();
    const once = await first.enqueue("hang once", { max_attempts: 1 });
    const twice = await first.enqueue("hang twice", { max_attempts: 2 });
    const waiting = await first.enqueue("waiting");
    const urgent = await first.enqueue("urgent", { priority: 3 });
    await first.queue.whenIdle();
    expect(first.runs.prompts).toEqual(["hang once", "hang twice"]);
    // The running lines (with run and session ids) are on the journal before anything else happens.

    const second = queueHarness({ log, clock, settings: { concurrency: 2, per_agent: 5, backoff_ms: 500 } });
    await second.queue.open();
    expect(await second.queue.get(once.id)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "interrupted: the gateway stopped while the job was running",
      attempt_log: [{ n: 1, status: "interrupted", run_id: "run-1", session_id: "session-1" }],
    });
    const retried = await second.queue.get(twice.id);
    // A retry keeps its place in FIFO order; its backoff lets later jobs pass meanwhile.
    expect(retried).toMatchObject({ status: "queued", attempts: 1, position: 2 });
    expect(retried?.attempt_log?.[0]).toMatchObject({ status: "interrupted", run_id: "run-2" });
    expect(Date.parse(retried!.not_before!) - clock.now()).toBe(500);
    expect((await second.queue.list({ status: "queued" })).map((j) => j.prompt)).toEqual([
      "urgent",
      "hang twice",
      "waiting",
    ]);

    second.queue.start();
    await second.queue.whenIdle();
    expect(second.runs.prompts).toEqual(["urgent", "waiting"]);
    second.runs.byPrompt("urgent").finish();
    second.runs.byPrompt("waiting").finish();
    await second.queue.whenIdle();
    clock.advance(500);
    await second.queue.whenIdle();
    second.runs.byPrompt("hang twice").finish();
    expect(await second.queue.waitFor(twice.id)).toMatchObject({ status: "succeeded", attempts: 2 });
    expect((await second.queue.get(urgent.id))?.status).toBe("succeeded");
    expect((await second.queue.get(waiting.id))?.attempts).toBe(1);
  });

  it("finishes, rather than reruns, a job whose run completed just before the crash", async () => {
    const log = new MemoryAppendLog();
    const first = queueHarness({ log });
    await first.queue.open();
    first.queue.start();
    const job = await first.enqueue("almost done");
    await first.queue.whenIdle();
    const second = queueHarness({
      log,
      runCompleted: async (sessionId, runId) => sessionId === "session-1" && runId === "run-1",
    });
    await second.queue.open();
    second.queue.start();
    await second.queue.whenIdle();
    expect(await second.queue.get(job.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(second.runs.runs).toHaveLength(0);
  });

  it("turns a cancel asked before the crash into cancelled, not a retry", async () => {
    const log = new MemoryAppendLog();
    const first = queueHarness({ log });
    await first.queue.open();
    first.queue.start();
    const job = await first.enqueue("stubborn", { max_attempts: 3 });
    await first.queue.whenIdle();
    // The fake run ignores the stop, as a wedged CLI would; the cancel flag is on the journal.
    first.runs.stop = async () => true;
    void first.queue.cancel(job.id);
    await first.queue.whenIdle();
    const second = queueHarness({ log });
    await second.queue.open();
    expect(await second.queue.get(job.id)).toMatchObject({ status: "cancelled", attempts: 1 });
  });

  it("records runs cut by a graceful stop as interrupted, retried at the next start", async () => {
    const log = new MemoryAppendLog();
    const first = queueHarness({ log, settings: { backoff_ms: 0 } });
    await first.queue.open();
    first.queue.start();
    const job = await first.enqueue("long", { max_attempts: 2 });
    const later = await first.enqueue("later");
    await first.queue.whenIdle();
    await first.queue.stop();
    const stopped = await first.queue.get(job.id);
    expect(stopped).toMatchObject({ status: "queued", attempts: 1 });
    expect(stopped?.attempt_log?.[0]).toMatchObject({
      status: "interrupted",
      error: "interrupted: the gateway shut down during the run",
    });
    await expect(first.enqueue("too late")).rejects.toMatchObject({ code: "GATEWAY_SHUTTING_DOWN" });

    const second = queueHarness({ log });
    await second.queue.open();
    second.queue.start();
    await second.queue.whenIdle();
    second.runs.byPrompt("long").finish();
    await second.queue.whenIdle();
    second.runs.byPrompt("later").finish();
    expect(await second.queue.waitFor(later.id)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await second.queue.waitFor(job.id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("compacts the journal at start, skips torn and foreign lines, and trims old finished jobs", async () => {
    const log = new MemoryAppendLog();
    const first = queueHarness({ log, settings: { retain_finished: 2 } });
    await first.queue.open();
    first.queue.start();
    const ids: string[] = [];
    for (const prompt of ["a", "b", "c"]) {
      ids.push((await first.enqueue(prompt)).id);
      await first.queue.whenIdle();
      first.runs.byPrompt(prompt).finish();
      await first.queue.whenIdle();
    }
    expect(await log.count(QUEUE_JOURNAL_KEY)).toBeGreaterThan(8);
    await first.queue.stop();
    // Opened but not started: the job stays queued.
    const between = queueHarness({ log, settings: { retain_finished: 5 } });
    await between.queue.open();
    const pending = await between.enqueue("pending");
    log.appendRaw(QUEUE_JOURNAL_KEY, '{"not":"an entry"}\n{"rev":999,"seq":1,"job":{"id":');

    const second = queueHarness({ log, settings: { retain_finished: 2 } });
    await second.queue.open();
    expect(await log.count(QUEUE_JOURNAL_KEY)).toBe(0);
    expect(await log.count(QUEUE_SNAPSHOT_KEY)).toBe(3);
    expect(await second.queue.get(ids[0]!)).toBeNull();
    expect((await second.queue.get(ids[2]!))?.status).toBe("succeeded");
    expect((await second.queue.get(pending.id))?.status).toBe("queued");
    // New jobs continue the sequence: FIFO still holds across restarts.
    const next = await second.enqueue("next");
    expect((await second.queue.get(next.id))?.position).toBe(2);
    const loaded = await new QueueJournal(log).load();
    expect(loaded.entries.map((e) => e.job.id).sort()).toEqual([ids[1], ids[2], pending.id, next.id].sort());
  });
});
