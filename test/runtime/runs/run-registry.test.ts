import { afterEach, describe, expect, it, vi } from "vitest";
import type { RunOutcome, RunRequest } from "../../../handlers/capabilities/runs.js";
import { GatewayRunRegistry } from "../../../runtime/runs/run-registry.js";
import type { AgentRecord } from "../../../storage/agents.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { RunRecordRepository } from "../../../storage/run-records.js";
import { Scopes } from "../../../storage/scopes.js";
import { silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

function setup() {
  const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const records = new RunRecordRepository(scopes.global(), log);
  const queue = new FakeRunQueue();
  const stopped: string[] = [];
  const registry = new GatewayRunRegistry({
    records,
    now: () => new Date(),
    logger: silentLogger,
    stop: async (sessionId) => {
      stopped.push(sessionId);
      registry.finished(outcome("r1", "stopped"));
      return true;
    },
    queue: () => queue,
  });
  return { scopes, log, records, queue, registry, stopped };
}

const agent = { id: "coder" } as AgentRecord;
const request: RunRequest = {
  agent,
  prompt: "do it",
  workdir: "/home/u",
  source: "agent",
  channel: "cli",
  sessionKey: "k",
};

function start(registry: GatewayRunRegistry, runId = "r1") {
  registry.started({ runId, sessionId: "s1", pid: 42, executor: "CLAUDE_CODE", workdir: "/home/u", request });
}

function outcome(runId: string, status: RunOutcome["status"] = "completed"): RunOutcome {
  return {
    runId,
    sessionId: "s1",
    status,
    response: "done!",
    toolsUsed: [],
    tokens: { input: 3, output: 4 },
    costCents: 0.5,
    exitCode: 0,
  };
}

afterEach(() => {
  vi.useRealTimers();
});

/** The registry of the next gateway process, over the same storage. */
function restarted(first: ReturnType<typeof setup>): GatewayRunRegistry {
  return new GatewayRunRegistry({
    records: new RunRecordRepository(first.scopes.global(), first.log),
    now: () => new Date(),
    logger: silentLogger,
    stop: async () => false,
  });
}

describe("GatewayRunRegistry", () => {
  it("records a run's start and end, and keeps the record on disk", async () => {
    const { registry, records } = setup();
    start(registry);
    expect(await registry.get("r1")).toMatchObject({
      status: "running",
      channel: "cli",
      session_key: "k",
      pid: 42,
    });
    registry.finished(outcome("r1"));
    await registry.flush();
    expect(await records.find("r1")).toMatchObject({
      status: "completed",
      source: "agent",
      result: { reply: "done!", tokens: { input: 3, output: 4 }, cost_cents: 0.5, exit_code: 0 },
    });
  });

  it("resolves every waiter when the run ends", async () => {
    const { registry } = setup();
    start(registry);
    const waits = [1, 2, 3].map(() => registry.wait("r1", 60_000));
    registry.finished(outcome("r1"));
    for (const waited of await Promise.all(waits)) {
      expect(waited).toMatchObject({ done: true, timedOut: false, record: { status: "completed" } });
    }
  });

  it("answers a wait that times out with the run as it is", async () => {
    vi.useFakeTimers();
    const { registry } = setup();
    start(registry);
    const waiting = registry.wait("r1", 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await waiting).toMatchObject({ done: false, timedOut: true, record: { status: "running" } });
  });

  it("aborts a live run through the session stop, and answers an ended one as not aborted", async () => {
    const { registry, stopped } = setup();
    start(registry);
    expect(await registry.abort("r1")).toMatchObject({ aborted: true, record: { status: "stopped" } });
    expect(stopped).toEqual(["s1"]);
    expect(await registry.abort("r1")).toMatchObject({ aborted: false });
    expect(await registry.abort("unknown")).toBeNull();
  });

  it("marks runs the last process left live as interrupted", async () => {
    const first = setup();
    start(first.registry);
    await first.registry.flush();
    const again = restarted(first);
    expect(await again.recover()).toEqual(["r1"]);
    expect(await again.get("r1")).toMatchObject({
      status: "interrupted",
      result: { error: expect.stringMatching(/interrupted/) },
    });
    expect(await again.recover()).toEqual([]);
  });

  it("recovers a run from the live-runs log (a live run's record file is written only at its end)", async () => {
    const first = setup();
    start(first.registry);
    await first.registry.flush();
    expect(await first.scopes.global().store.read("runs:records:r1.yaml")).toBeNull();
    expect(await first.registry.get("r1")).toMatchObject({ status: "running" });
    const again = restarted(first);
    expect(await again.recover()).toEqual(["r1"]);
    expect(await again.get("r1")).toMatchObject({ status: "interrupted", session_id: "s1" });
  });

  it("keeps a run live through the live-runs log's rewrites, and forgets the thousands that ended", async () => {
    const first = setup();
    start(first.registry, "long");
    for (let i = 0; i < 2500; i++) {
      start(first.registry, `short-${i}`);
      first.registry.finished(outcome(`short-${i}`));
    }
    await first.registry.flush();
    const lines = async (key: string) => (await first.log.readFrom(key, { limit: 10_000 })).records.length;
    // Rewritten each time one log passed 2000 lines: the live run moved on, the other log was emptied.
    const counts = [await lines("runs:live:a.jsonl"), await lines("runs:live:b.jsonl")];
    expect(Math.min(...counts)).toBe(0);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2000);
    expect(await restarted(first).recover()).toEqual(["long"]);
    expect(await first.records.find("short-2499")).toMatchObject({ status: "completed" });
  });

  it("recovers the live-run marker files an older version left", async () => {
    const first = setup();
    const record = { run_id: "old", status: "running", agent_id: "coder", session_id: "s9", source: "cron" };
    await first.scopes.global().store.write("runs:live:old.yaml", {
      run_id: "old",
      record: { ...record, accepted_at: "2026-01-01T00:00:00Z" },
    });
    const again = restarted(first);
    expect(await again.recover()).toEqual(["old"]);
    expect(await again.get("old")).toMatchObject({ status: "interrupted", source: "cron" });
    expect(await first.scopes.global().store.keys("runs:live")).toEqual([]);
  });

  it("answers a queued job's id, and cancels it on abort", async () => {
    const { registry, queue } = setup();
    const job = await queue.enqueue({ agent_id: "coder", prompt: "later", source: "api" });
    expect(await registry.get(job.id)).toMatchObject({
      run_id: job.id,
      status: "queued",
      queue_job_id: job.id,
    });
    const result = await registry.abort(job.id);
    expect(result).toMatchObject({ aborted: true, record: { status: "stopped", queue_job_id: job.id } });
    expect((await queue.get(job.id))?.status).toBe("cancelled");
  });
});
