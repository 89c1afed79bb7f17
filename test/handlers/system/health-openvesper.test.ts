// Extends zod with .openapi() before storage modules build their schemas.
import "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import type { InteractiveRun, RunService } from "../../../handlers/capabilities/runs.js";
import { ActivityTracker } from "../../../runtime/activity.js";
import { BackgroundTaskScheduler } from "../../../runtime/background-tasks.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { HeartbeatMonitor } from "../../../runtime/heartbeat.js";
import { BackgroundTaskRepository } from "../../../storage/background-tasks.js";
import { GatewayConfigSource } from "../../../storage/gateway-config.js";
import { createTestApp, json, silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

/** Runs that live while the test says so; a live interactive run may wait on questions. */
function fakeRuns(live: Set<string>, questions: Map<string, number>): RunService {
  return {
    start: async () => {
      throw new Error("not used");
    },
    stop: async (sid) => live.delete(sid),
    isRunning: (sid) => live.has(sid),
    findInteractive: (sid) =>
      live.has(sid)
        ? ({
            pendingQuestions: Array.from({ length: questions.get(sid) ?? 0 }, (_, i) => ({ id: `q${i}` })),
          } as unknown as InteractiveRun)
        : undefined,
  };
}

async function setup() {
  const events = createEventBus();
  const live = new Set<string>();
  const questions = new Map<string, number>();
  const runs = fakeRuns(live, questions);
  const queue = new FakeRunQueue();
  let heartbeat: HeartbeatMonitor | undefined;
  let tasks: BackgroundTaskScheduler | undefined;
  const activity = new ActivityTracker({ events, runs, queue, concurrency: async () => 4 });
  activity.start();
  const t = createTestApp({
    events,
    runs,
    queue,
    extend: ({ scopes }) => {
      heartbeat = new HeartbeatMonitor({
        config: new GatewayConfigSource(scopes.global(), {}),
        queue,
        scope: scopes.global(),
        logger: silentLogger,
      });
      tasks = new BackgroundTaskScheduler({
        repository: new BackgroundTaskRepository(scopes.global()),
        queue,
        logger: silentLogger,
        defaultAgent: async () => "claude",
      });
      return { heartbeat, backgroundTasks: tasks, activity };
    },
  });
  await t.scopes.global().store.write("gateway.yaml", {
    heartbeat: { agent_id: "claude", prompt: "check", interval: "5m" },
  });
  await heartbeat!.start();
  /** Starts a run on the bus (as the run recorder says it) and waits until the tracker has seen it. */
  const startRun = async (sid: string, runId: string) => {
    live.add(sid);
    const seen = events.subscribe({ types: ["run_started"] });
    events.publish({ type: "run_started", session_id: sid, run_id: runId, agent_id: "claude" });
    await seen.next();
    seen.close();
    // The tracker's own subscription got the same event before ours returned it.
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return { ...t, events, live, questions, queue, tasks: tasks!, heartbeat: heartbeat!, startRun };
}

describe("OpenVesper's /health fields, /lanes and /heartbeat", () => {
  it("adds sessionsActive, lanes, runs, tasks, heartbeat and pendingApprovals beside our fields", async () => {
    const { app, startRun, questions, tasks, heartbeat } = await setup();
    const idle = await json(await app.request("/health"));
    expect(idle).toMatchObject({
      status: "ok",
      service: "viben-gateway",
      sessionsActive: 0,
      lanes: { activeRuns: 0, globalMax: 4, lanes: [] },
      runs: { total: 0, active: 0 },
      tasks: { total: 0, scheduled: 0, running: 0, complete: 0 },
      pendingApprovals: 0,
      heartbeat: {
        running: true,
        agentCount: 1,
        agents: [{ mode: "claude", schedule: "every 300s", intervalMs: 300_000, lastRun: 0, enabled: true }],
        enabled: true,
        interval: 300,
      },
    });

    questions.set("s1", 2);
    await startRun("s1", "r1");
    await tasks.create({ kind: "reminder", sessionKey: "s1", payload: "p", runAt: Date.now() + 60_000 });
    const busy = await json(await app.request("/health"));
    expect(busy).toMatchObject({
      sessionsActive: 1,
      runs: { total: 1, active: 1 },
      tasks: { total: 1, scheduled: 1 },
      pendingApprovals: 2,
      lanes: { activeRuns: 1, lanes: [{ sessionKey: "s1", state: "running", runId: "r1", waitersCount: 0 }] },
    });
    await heartbeat.stop();
  });

  it("answers /lanes (and /api/lanes) with live runs per session and the jobs queued for them", async () => {
    const { app, startRun, live, events, queue } = await setup();
    await startRun("s1", "r1");
    await queue.enqueue({ agent_id: "claude", prompt: "next", session_id: "s1", source: "api" });
    await queue.enqueue({ agent_id: "claude", prompt: "other", session_id: "s2", source: "api" });
    for (const path of ["/lanes", "/api/lanes"]) {
      const lanes = await json(await app.request(path));
      expect(lanes).toMatchObject({ activeRuns: 1, globalMax: 4 });
      expect(lanes.lanes).toEqual([
        {
          sessionKey: "s1",
          state: "running",
          runId: "r1",
          runningMs: expect.any(Number),
          waitersCount: 1,
          agentId: "claude",
        },
        { sessionKey: "s2", state: "queued", runId: null, runningMs: null, waitersCount: 1, agentId: null },
      ]);
    }
    // The run ends: its end event removes the lane; a run the manager no longer has is dropped anyway.
    live.delete("s1");
    events.publish({ type: "run_complete", session_id: "s1", run_id: "r1" });
    const after = await json(await app.request("/lanes"));
    expect(after.activeRuns).toBe(0);
  });

  it("serves /heartbeat/status and /heartbeat/reload in OpenVesper's shape", async () => {
    const { app, scopes, heartbeat } = await setup();
    const status = await json(await app.request("/heartbeat/status"));
    expect(status).toMatchObject({ running: true, agentCount: 1, agent_id: "claude" });
    await scopes.global().store.write("gateway.yaml", {});
    const reloaded = await app.request("/heartbeat/reload", { method: "POST" });
    expect(reloaded.status).toBe(200);
    expect(await json(reloaded)).toMatchObject({ running: false, agentCount: 0, agents: [], enabled: false });
    await heartbeat.stop();
  });
});
