/*
 * Follows OpenVesper's clients (openvesper/openvesper) and what they read from the gateway:
 * apps/cli/src/commands/monitor.ts (polls GET /health and renders status "ok"/"healthy", version and
 * uptime; the gateway answers sessionsActive, lanes, runs, tasks, heartbeat and pendingApprovals beside,
 * apps/gateway/src/index.ts), apps/cli/src/commands/gateway.ts (checkHealth: /health parses as JSON;
 * status prints Math.floor(uptime)), apps/vscode-extension/src/extension.ts (pollGateway: res.ok and
 * version), and the gateway routes those clients' users call beside: GET /lanes (session-lane.ts status()),
 * GET /heartbeat/status and POST /heartbeat/reload (heartbeat.ts status()), /tasks (tasks.ts).
 * apps/cli/src/commands/doctor.ts only probes the port locally and reads nothing from the gateway.
 * Drives a real gateway; the run goes through the real Claude Code CLI against the local Anthropic stub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openSse, type SseClient } from "../helpers/clients.js";

describe("OpenVesper's CLI monitor, gateway status and VS Code extension against the gateway", () => {
  let env: ClaudeGateway;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sse: SseClient;

  beforeAll(async () => {
    // The model answers once the test lets it, so the run is live while the clients look.
    env = await startClaudeGateway(async () => {
      await gate;
      return { text: "Report ready.", usage: { input_tokens: 10, output_tokens: 3 } };
    }, "heartbeat:\n  agent_id: claude\n  prompt: Anything to do?\n  interval: 1h\n");
    sse = await openSse(`${env.gw.url}/api/events?type=run_started,background_task_ended`);
  });
  afterAll(async () => {
    release();
    sse?.close();
    await env?.close();
  });

  /** monitor.ts apiGet: GET, JSON or null. */
  async function apiGet<T = Json>(path: string): Promise<T | null> {
    try {
      return (await (await fetch(new URL(path, env.gw.url))).json()) as T;
    } catch {
      return null;
    }
  }

  it("monitor and gateway status read /health: status, version, uptime and OpenVesper's counters", async () => {
    const health = await apiGet("/health");
    expect(health).not.toBeNull();
    expect(health!.status === "ok" || health!.status === "healthy").toBe(true);
    expect(typeof health!.version).toBe("string");
    expect(Math.floor(health!.uptime as number)).toBeGreaterThanOrEqual(0);
    // gateway status prints `Hooks: k=v, …` from Object.entries(data.hooks).
    const hooks = Object.entries(health!.hooks as Record<string, number>).map(([k, v]) => `${k}=${v}`);
    expect(hooks.join(", ")).toBe("tokens=0, callback_hosts=0");
    expect(health).toMatchObject({
      sessionsActive: 0,
      lanes: { activeRuns: 0, globalMax: expect.any(Number), lanes: [] },
      runs: { total: 0, active: 0 },
      tasks: { total: 0, scheduled: 0, running: 0, complete: 0 },
      pendingApprovals: 0,
      heartbeat: {
        running: true,
        agentCount: 1,
        agents: [{ mode: "claude", intervalMs: 3_600_000, lastRun: 0, enabled: true }],
      },
    });
    // extension.ts pollGateway
    const res = await fetch(`${env.gw.url}/health`, { signal: AbortSignal.timeout(2000) });
    expect(res.ok).toBe(true);
    expect(((await res.json()) as { version?: string }).version).toBe(health!.version);
  });

  it("shows a background task's live run in /health and /lanes, and its end", async () => {
    const res = await fetch(`${env.gw.url}/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "deferred-now", sessionKey: "cli", payload: "Prepare the report" }),
    });
    const task = (await res.json()) as Json;
    expect(task).toMatchObject({ kind: "deferred-now", status: "scheduled", channel: "rest" });
    const started = await sse.waitFor((e) => e.type === "run_started", 60_000);

    const live = await apiGet("/health");
    expect(live).toMatchObject({
      sessionsActive: 1,
      runs: { total: 1, active: 1 },
      tasks: { total: 1, running: 1 },
      lanes: { activeRuns: 1 },
    });
    const lanes = await apiGet("/lanes");
    expect(lanes).toMatchObject({
      activeRuns: 1,
      globalMax: expect.any(Number),
      lanes: [
        {
          sessionKey: started.session_id,
          state: "running",
          runId: started.run_id,
          runningMs: expect.any(Number),
          waitersCount: 0,
        },
      ],
    });
    const running = await apiGet<Json[]>("/tasks?status=running");
    expect(running).toHaveLength(1);

    release();
    const ended = await sse.waitFor((e) => e.type === "background_task_ended", 60_000);
    expect(ended).toMatchObject({ task_id: task.id, status: "complete", result: "Report ready." });
    const after = await apiGet("/health");
    expect(after).toMatchObject({
      sessionsActive: 0,
      runs: { total: 1, active: 0 },
      tasks: { total: 1, complete: 1 },
      lanes: { activeRuns: 0, lanes: [] },
    });
    expect(await apiGet<Json[]>("/tasks")).toEqual([
      expect.objectContaining({ id: task.id, status: "complete", result: "Report ready." }),
    ]);
  });

  it("answers /heartbeat/status and /heartbeat/reload in the original's shape", async () => {
    const status = await apiGet("/heartbeat/status");
    expect(status).toMatchObject({ running: true, agentCount: 1, agents: [{ mode: "claude" }] });
    const reloaded = await fetch(`${env.gw.url}/heartbeat/reload`, { method: "POST" });
    expect(reloaded.status).toBe(200);
    expect(await reloaded.json()).toMatchObject({ running: true, agentCount: 1 });
  });
});
