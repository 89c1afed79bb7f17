import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { isAlive, processTree } from "../../runtime/runs/process-tree.js";
import { type Json, jsonClient, openSse, openWs } from "../helpers/clients.js";
import { FAKE_CLAUDE_TOOL_RUN } from "../helpers/fake-claude-runs.js";
import { eventually } from "../helpers/gateway-process.js";
import { isGone } from "../helpers/terminal-client.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

/**
 * Runs through the real gateway with a fake Claude Code CLI (same stream-json lines, deterministic and
 * fast): events over SSE and WebSocket, persistence, resume, stop, crash, restart. The real CLI is driven
 * in test/e2e/claude-code.test.ts.
 */
describe("agent runs through the gateway", () => {
  let home: string;
  let workdir: string;
  let log: string;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);
  const start = () =>
    startGateway({
      port: 0,
      env: { ...process.env, HOME: home, FAKE_CLAUDE_LOG: log, VIBEN_LOG_LEVEL: "silent" },
    });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-runs-"));
    workdir = join(home, "project");
    log = join(home, "fake-claude.log");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await mkdir(workdir);
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(join(home, ".viben/gateway.yaml"), "runs:\n  stop_grace_ms: 300\n");
    gw = await start();
    expect(
      (await post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE", model: "opus" })).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  it("streams the same events over SSE and WebSocket, and persists the conversation", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=coder`);
    const ws = await openWs(`${gw.url.replace("http", "ws")}/ws`);
    ws.send({ type: "subscribe", agent_id: "coder", id: "s1" });
    await ws.waitFor((f) => f.type === "subscribed");

    const spawned = await post("/api/agent/coder/spawn", { prompt: "hello there tool", workdir });
    expect(spawned.status).toBe(200);
    expect(spawned.body).toMatchObject({ success: true });
    expect(spawned.body.pid).toBeGreaterThan(0);
    const sessionId = spawned.body.session_id as string;

    const isEnd = (e: Json) => e.type === "run_complete" && e.session_id === sessionId;
    const sseEnd = await sse.waitFor(isEnd);
    await ws.waitFor(isEnd);
    expect(sseEnd).toMatchObject({ tokens: { input: 11, output: 7 }, cost_cents: 1.23 });
    const sseTypes = sse.events.filter((e) => e.session_id === sessionId).map((e) => `${e.seq}:${e.type}`);
    const wsTypes = ws.frames.filter((e) => e.session_id === sessionId).map((e) => `${e.seq}:${e.type}`);
    expect(wsTypes).toEqual(sseTypes);
    expect(sseTypes.map((t) => t.split(":")[1])).toEqual(FAKE_CLAUDE_TOOL_RUN);
    expect(sse.events.find((e) => e.type === "run_started")).toMatchObject({
      pid: spawned.body.pid,
      executor: "CLAUDE_CODE",
    });
    expect(sse.ids.length).toBeGreaterThan(0);
    const deltas = sse.events
      .filter((e) => e.type === "delta" && e.session_id === sessionId)
      .map((e) => e.content);
    expect(deltas.join("")).toBe("You said: hello there toolDone.");
    expect(sseEnd.response).toBe("Done.");
    expect(sse.events.find((e) => e.type === "tool_start")).toMatchObject({
      tool: "Bash",
      input: { command: "echo hi" },
    });

    const messages = await get(`/api/agent/coder/sessions/${sessionId}/messages`);
    expect((messages.messages as Json[]).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    const ui = await get(`/api/agent/coder/sessions/${sessionId}/ui-messages`);
    expect(ui.messages).toMatchObject([
      { role: "user", content: "hello there tool" },
      {
        role: "assistant",
        content: "You said: hello there tool",
        tool_calls: [{ name: "Bash", input: { command: "echo hi" }, result: "hi", is_error: false }],
      },
      { role: "assistant", content: "Done." },
    ]);
    const session = await get(`/api/agent/coder/sessions/${sessionId}`);
    expect(session).toMatchObject({
      id: sessionId,
      agent_id: "coder",
      status: "idle",
      workdir,
      message_count: 4,
    });
    sse.close();
    await ws.close();
  });

  it("resumes the executor's own session when spawned again on the same session", async () => {
    const first = await post("/api/agent/coder/spawn", { prompt: "remember", workdir });
    const sessionId = first.body.session_id as string;
    const sse = await openSse(`${gw.url}/api/events?session_id=${sessionId}&last_event_id=0`);
    await sse.waitFor((e) => e.type === "run_complete");
    const second = await post("/api/agent/coder/spawn", { prompt: "again", workdir, session_id: sessionId });
    expect(second.body.session_id).toBe(sessionId);
    const done = await sse.waitFor((e) => e.type === "run_complete" && e.run_id === second.body.run_id);
    expect(done.response).toMatch(/resumed fake-/);
    const calls = (await readFile(log, "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { args: string[] });
    const last = calls.at(-1)!.args;
    expect(last[last.indexOf("--resume") + 1]).toMatch(/^fake-/);
    expect(last).toEqual(expect.arrayContaining(["--model", "opus", "--output-format", "stream-json"]));
    sse.close();
  });

  it("stops a run mid-way and leaves no process behind, not even a setsid'd grandchild", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=coder&type=tool_start,run_error`);
    const spawned = await post("/api/agent/coder/spawn", { prompt: "please hang", workdir });
    const sessionId = spawned.body.session_id as string;
    const pid = spawned.body.pid as number;
    const tool = await sse.waitFor((e) => e.type === "tool_start" && e.session_id === sessionId);
    const grandchild = (tool.input as { pid: number }).pid;
    const tree = await processTree(pid);
    const allPids = [...tree.map((p) => p.pid), grandchild];
    expect(allPids.length).toBeGreaterThanOrEqual(2);

    const busy = await post("/api/agent/coder/spawn", { prompt: "x", workdir, session_id: sessionId });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe("SESSION_BUSY");

    const stopped = await post("/api/agent/coder/stop", { session_id: sessionId });
    expect(stopped.body).toEqual({ success: true, stopped: true });
    const error = await sse.waitFor((e) => e.type === "run_error" && e.session_id === sessionId);
    expect(error.code).toBe("RUN_STOPPED");
    for (const p of tree) expect(await isAlive(p)).toBe(false);
    // Killed; re-parented to an init that may not reap it yet, it can linger as a zombie.
    expect(isGone(grandchild)).toBe(true);
    expect(() => process.kill(-pid, 0)).toThrow();
    sse.close();
  });

  it("reports a CLI that exits non-zero as run_error with the exit code and stderr tail", async () => {
    const sse = await openSse(`${gw.url}/api/events?type=run_error`);
    const spawned = await post("/api/agent/coder/spawn", { prompt: "please fail", workdir });
    const error = await sse.waitFor((e) => e.session_id === spawned.body.session_id);
    expect(error).toMatchObject({ code: "EXECUTOR_EXIT", exit_code: 3 });
    expect(String(error.stderr_tail)).toContain("asked to fail");
    expect(String(error.error)).toContain("asked to fail");
    sse.close();
  });

  it("answers /api/chat with the reply, continuing a session", async () => {
    const first = await post("/api/chat", { message: "hi", agent_id: "coder", workdir });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      response: "You said: hi",
      tools_used: [],
      tokens: { input: 11, output: 7 },
      cost_cents: 1.23,
    });
    const second = await post("/api/chat", { message: "more", session_id: first.body.session_id });
    expect(second.body.session_id).toBe(first.body.session_id);
    expect(second.body.response).toMatch(/resumed/);
    const failed = await post("/api/chat", { message: "please fail", agent_id: "coder", workdir });
    expect(failed.status).toBe(502);
    expect(failed.body.code).toBe("RUN_FAILED");
  });

  it("runs a chat over WebSocket and survives malformed frames", async () => {
    const ws = await openWs(`${gw.url.replace("http", "ws")}/ws`);
    ws.sendRaw("{not json");
    expect(await ws.waitFor((f) => f.type === "error")).toMatchObject({ code: "INVALID_JSON" });
    ws.send({ type: "chat" });
    expect(await ws.waitFor((f) => f.type === "error" && f.code === "INVALID_FRAME")).toMatchObject({
      message: expect.stringContaining("message"),
    });
    ws.send({ type: "teleport" });
    await ws.waitFor((f) => f.type === "error" && String(f.message).includes("type"));
    ws.send({ type: "chat", message: "x", agent_id: "nobody" });
    await ws.waitFor((f) => f.type === "error" && f.code === "AGENT_NOT_FOUND");
    ws.send({ type: "ping", id: "p1" });
    await ws.waitFor((f) => f.type === "pong" && f.id === "p1");

    ws.send({ type: "chat", message: "over ws", agent_id: "coder", workdir, id: "c1" });
    const started = await ws.waitFor((f) => f.type === "chat_started");
    const done = await ws.waitFor((f) => f.type === "run_complete" && f.session_id === started.session_id);
    expect(done).toMatchObject({ response: "You said: over ws", tokens: { input: 11, output: 7 } });
    const kinds = ws.frames.filter((f) => f.run_id === started.run_id).map((f) => f.type);
    expect(kinds.slice(0, 2)).toEqual(["chat_started", "run_started"]);
    expect(kinds).toContain("delta");
    await ws.close();
  });

  it("refuses bad run requests with clear 4xx errors", async () => {
    const unknown = await post("/api/agent/nobody/spawn", { prompt: "x", workdir });
    expect(unknown.status).toBe(404);
    const noPrompt = await post("/api/agent/coder/spawn", { workdir });
    expect(noPrompt.status).toBe(400);
    expect(noPrompt.body.error).toMatch(/prompt/);
    const missing = await post("/api/agent/coder/spawn", { prompt: "x", workdir: join(home, "nope") });
    expect(missing.body.code).toBe("WORKDIR_NOT_FOUND");
    const outside = await post("/api/agent/coder/spawn", { prompt: "x", workdir: tmpdir() });
    expect(outside.status).toBe(400);
    expect(outside.body.code).toBe("WORKDIR_NOT_ALLOWED");
    const relative = await post("/api/agent/coder/spawn", { prompt: "x", workdir: "project" });
    expect(relative.body.code).toBe("INVALID_WORKDIR");
    const badSession = await post("/api/agent/coder/spawn", { prompt: "x", workdir, session_id: "../x" });
    expect(badSession.status).toBe(400);
  });

  it("keeps sessions, messages and history across a restart", async () => {
    const chat = await post("/api/chat", { message: "persist me", agent_id: "coder", workdir });
    const sessionId = chat.body.session_id as string;
    await gw.close();
    gw = await start();
    const session = await get(`/api/sessions/${sessionId}`);
    expect(session).toMatchObject({ id: sessionId, agent: "coder", title: "persist me", message_count: 2 });
    expect((session.messages as Json[]).map((m) => m.content)).toEqual([
      "persist me",
      "You said: persist me",
    ]);
    const list = await get("/api/sessions?agent_id=coder");
    expect((list.sessions as Json[]).some((s) => s.id === sessionId)).toBe(true);
    const history = await get("/api/agent/coder/history?search=persist");
    expect(history).toMatchObject({ total: 1, records: [{ prompt: "persist me", status: "completed" }] });
    const stats = await get("/api/agent/coder/history/stats");
    expect(stats.total).toBeGreaterThanOrEqual(5);
  });

  it("stops every run when the gateway shuts down", async () => {
    const sse = await openSse(`${gw.url}/api/events?type=tool_start`);
    const spawned = await post("/api/agent/coder/spawn", { prompt: "hang on shutdown", workdir });
    const tool = await sse.waitFor((e) => e.session_id === spawned.body.session_id);
    const tree = await processTree(spawned.body.pid as number);
    sse.close();
    await gw.close();
    for (const p of tree) expect(await isAlive(p)).toBe(false);
    await eventually(async () =>
      expect(() => process.kill((tool.input as { pid: number }).pid, 0)).toThrow(),
    );
    gw = await start();
  });
});

describe("run limits", () => {
  let home: string;
  let workdir: string;
  let gw: RunningGateway | undefined;
  const { post } = jsonClient(() => gw!.url);

  /** A gateway on a new HOME whose Claude Code is the fake CLI, with this gateway.yaml and environment. */
  const start = async (gatewayYaml: string, env: (home: string) => Record<string, string> = () => ({})) => {
    home = await mkdtemp(join(tmpdir(), "viben-limits-"));
    workdir = join(home, "w");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await mkdir(workdir);
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml);
    gw = await startGateway({
      port: 0,
      env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent", ...env(home) },
    });
    expect((await post("/api/agent", { name: "Slow", executor_type: "CLAUDE_CODE" })).status).toBe(201);
  };

  afterEach(async () => {
    await gw?.close();
    gw = undefined;
    await rm(home, { recursive: true, force: true });
  });

  it("stops a run that outlives the configured timeout", async () => {
    // The run hangs until it is killed (it ignores SIGINT and SIGTERM), so it outlives the timeout
    // however slow the machine is.
    await start("runs:\n  timeout_seconds: 0.5\n  stop_grace_ms: 100\n");
    const sse = await openSse(`${gw!.url}/api/events?type=run_complete,run_error`);
    const hung = (await post("/api/agent/slow/spawn", { prompt: "hang forever", workdir })).body;
    const timedOut = await sse.waitFor((e) => e.session_id === hung.session_id);
    expect(timedOut).toMatchObject({ type: "run_error", code: "RUN_TIMEOUT" });
    expect(() => process.kill(-(hung.pid as number), 0)).toThrow();
    sse.close();
  });

  it("runs sessions in parallel", async () => {
    // Each run waits for a file the test writes only once all three CLIs are running: were runs
    // serialised, the second would never start and this would time out.
    await start("", (dir) => ({
      FAKE_CLAUDE_LOG: join(dir, "fake-claude.log"),
      FAKE_CLAUDE_RELEASE: join(dir, "release"),
    }));
    const log = join(home, "fake-claude.log");
    const sse = await openSse(`${gw!.url}/api/events?type=run_complete,run_error`);
    const prompts = ["one", "two", "three"].map((p) => `${p}: wait for release`);
    const runs = await Promise.all(
      prompts.map(async (prompt) => (await post("/api/agent/slow/spawn", { prompt, workdir })).body),
    );
    expect(new Set(runs.map((r) => r.session_id)).size).toBe(3);
    await eventually(async () => {
      const started = (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);
      expect(started).toHaveLength(3);
    }, 20_000);
    expect(sse.events).toEqual([]);
    await writeFile(join(home, "release"), "");
    for (const run of runs) {
      const end = await sse.waitFor((e) => e.session_id === run.session_id);
      expect(end).toMatchObject({ type: "run_complete" });
    }
    sse.close();
  });
});
