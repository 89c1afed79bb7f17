import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GatewayEvent } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { createEventBus } from "../../runtime/event-bus.js";
import { HeartbeatMonitor } from "../../runtime/heartbeat.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { GatewayConfigSource } from "../../storage/gateway-config.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { SessionRepository } from "../../storage/sessions.js";
import { FakeRunQueue } from "../helpers/fake-run-queue.js";

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

function world(heartbeat: Record<string, unknown>) {
  const scopes = new Scopes({ home: "/home/t", globalRoot: "/home/t/.viben", backend: memoryBackends() });
  const scope = scopes.global();
  const log = new MemoryAppendLog();
  const sessions = new SessionRepository({ scope, log, history: new HistoryRepository({ log }) });
  const queue = new FakeRunQueue();
  queue.autoComplete = (job) =>
    job.prompt.includes("fail") ? { status: "failed", error: "exit code 3" } : { status: "succeeded" };
  const events = createEventBus();
  const alerts: GatewayEvent[] = [];
  const sub = events.subscribe({ types: ["heartbeat_alert"] });
  void (async () => {
    for (let e = await sub.next(); e; e = await sub.next()) alerts.push(e);
  })();
  const writeConfig = (section: Record<string, unknown> | undefined) =>
    scope.store.write("gateway.yaml", section ? { heartbeat: section } : {});
  const make = () =>
    new HeartbeatMonitor({
      config: new GatewayConfigSource(scope, {}),
      queue,
      scope,
      events,
      sessions,
      logger: silentLogger,
      pollMs: 1000,
    });
  return { scope, sessions, queue, alerts, writeConfig, make, ready: writeConfig(heartbeat) };
}

const at = (iso: string) => vi.setSystemTime(new Date(iso));

describe("heartbeat", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    at("2026-06-01T00:00:00Z");
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs the check through the queue every interval and reports its status", async () => {
    const w = world({ agent_id: "CLAUDE_CODE", prompt: "all good?", interval: "1m" });
    await w.ready;
    const hb = w.make();
    await hb.start();
    expect(await hb.status()).toMatchObject({
      enabled: true,
      interval: 60,
      last_run_at: null,
      last_status: null,
      next_run_at: "2026-06-01T00:01:00.000Z",
      consecutive_failures: 0,
    });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(w.queue.jobs.size).toBe(2);
    expect([...w.queue.jobs.values()][0]).toMatchObject({
      source: "heartbeat",
      agent_id: "CLAUDE_CODE",
      prompt: "all good?",
      max_attempts: 1,
    });
    expect(await hb.status()).toMatchObject({
      last_run_at: "2026-06-01T00:02:00.000Z",
      last_status: "succeeded",
      next_run_at: "2026-06-01T00:03:00.000Z",
      last_run_id: "run-q2",
      last_session_id: "session-q2",
    });
    expect(w.alerts).toEqual([]);
    await hb.stop();
  });

  it("publishes heartbeat_alert when the check run fails, counting consecutive failures", async () => {
    const w = world({ agent_id: "CLAUDE_CODE", prompt: "please fail", interval: 30 });
    await w.ready;
    const hb = w.make();
    await hb.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(w.alerts).toHaveLength(2);
    expect(w.alerts[0]).toMatchObject({
      type: "heartbeat_alert",
      run_id: "run-q1",
      session_id: "session-q1",
      agent_id: "CLAUDE_CODE",
    });
    expect(w.alerts[0]?.reason).toMatch(/failed: exit code 3/);
    expect(await hb.status()).toMatchObject({ last_status: "failed", consecutive_failures: 2 });
    await hb.stop();
  });

  it("raises an alert when a successful answer contains an alert_on marker", async () => {
    const w = world({
      agent_id: "CLAUDE_CODE",
      prompt: "disk?",
      interval: "1m",
      alert_on: ["ALERT", "DOWN"],
    });
    await w.ready;
    w.queue.autoComplete = undefined;
    const hb = w.make();
    await hb.start();
    await vi.advanceTimersByTimeAsync(60_000);
    const [job] = [...w.queue.jobs.values()];
    await w.sessions.create({
      id: "session-q1",
      agent_id: "CLAUDE_CODE",
      agent_source: "global",
      workspace_path: "/home/t",
      workdir: "/home/t",
    });
    await w.sessions.appendMessages("session-q1", [
      { role: "assistant", content: "ALERT: disk 97% full", run_id: "run-q1" },
    ]);
    w.queue.complete(job!.id, "succeeded");
    await vi.advanceTimersByTimeAsync(0);
    expect(w.alerts).toMatchObject([{ type: "heartbeat_alert", run_id: "run-q1", session_id: "session-q1" }]);
    expect(w.alerts[0]?.reason).toMatch(/contains "ALERT"/);
    expect(await hb.status()).toMatchObject({ last_status: "alert", consecutive_failures: 1 });
    await hb.stop();
  });

  it("picks up an edited gateway.yaml by itself, and at once on reload", async () => {
    const w = world({ agent_id: "CLAUDE_CODE", prompt: "ok?", interval: "1h" });
    await w.ready;
    const hb = w.make();
    await hb.start();
    await w.writeConfig({ agent_id: "CLAUDE_CODE", prompt: "ok?", interval: "5m" });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await hb.status()).toMatchObject({ interval: 300, next_run_at: "2026-06-01T00:05:01.000Z" });
    await w.writeConfig({ agent_id: "CLAUDE_CODE", prompt: "ok?", interval: "5m", enabled: false });
    expect(await hb.reload()).toMatchObject({ enabled: false, next_run_at: null });
    await w.writeConfig(undefined);
    expect(await hb.reload()).toMatchObject({ enabled: false, interval: null });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(w.queue.jobs.size).toBe(0);
    await hb.stop();
  });

  it("keeps its last outcome across restarts and counts the next check from the last one", async () => {
    const w = world({ agent_id: "CLAUDE_CODE", prompt: "fail now", interval: "10m" });
    await w.ready;
    let hb = w.make();
    await hb.start();
    await vi.advanceTimersByTimeAsync(600_000);
    await hb.stop();
    at("2026-06-01T00:13:00Z");
    hb = w.make();
    await hb.start();
    expect(await hb.status()).toMatchObject({
      last_status: "failed",
      consecutive_failures: 1,
      last_run_at: "2026-06-01T00:10:00.000Z",
      next_run_at: "2026-06-01T00:20:00.000Z",
    });
    await hb.stop();
  });

  it("refuses a bad heartbeat section with a message naming the field", async () => {
    const w = world({ prompt: "x", interval: "soon" });
    await w.ready;
    await expect(new GatewayConfigSource(w.scope, {}).get()).rejects.toThrow(
      /heartbeat\.interval: must be seconds or a duration/,
    );
  });
});
