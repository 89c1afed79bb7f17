/*
 * The run registry and its routes against a real gateway driving the real Claude Code CLI, which talks to
 * the local Anthropic stub: OpenVesper's /agent, /agent/async, /agent/stream, /agent/run/:runId (wait,
 * abort), our /api/runs, Idempotency-Key, runs started elsewhere (spawn, chat, queue) found by id, and
 * OpenVesper's /ws frames beside the other dialects. The stub holds a prompt with HOLD until the test
 * releases it and never finishes one with HANG, so a run stays live for as long as a test needs.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest, type StubReply } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { Inbox, type Json, jsonClient, openWs } from "../helpers/clients.js";
import { postSse } from "../helpers/post-sse.js";

const REPLY = "Hello from the stub.";

/** Whether a process still runs (a zombie waiting for its reaper does not count). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

describe("run registry: OpenVesper's run routes and /api/runs with the real Claude Code CLI", () => {
  let env: ClaudeGateway;
  const client = jsonClient(() => env.gw.url);
  /** Prompts the stub has been asked, as they arrive. */
  const asked = new Inbox<string>();
  const held: Array<() => void> = [];

  function script(body: MessagesRequest): StubReply | Promise<StubReply> {
    const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
    asked.push(prompt);
    if (prompt.includes("HANG")) return { text: "working on it", hang: true };
    if (prompt.includes("HOLD"))
      return new Promise((resolve) => held.push(() => resolve({ text: "Held reply." })));
    return { text: REPLY, usage: { input_tokens: 12, output_tokens: 7 } };
  }

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${env.gw.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    env = await startClaudeGateway(script);
  });

  afterAll(async () => {
    for (const release of held) release();
    await env?.close();
  });

  it("POST /agent/async answers at once; wait gives the result; the session key keeps the session", async () => {
    const started = await post("/agent/async", { sessionKey: "alice", message: "say hi", channel: "cli" });
    expect(started.status).toBe(200);
    const accepted = (await started.json()) as Json;
    expect(accepted).toMatchObject({
      runId: expect.any(String),
      acceptedAt: expect.any(Number),
      status: "accepted",
    });
    const runId = accepted.runId as string;

    const waited = await client.post(`/agent/run/${runId}/wait?timeoutMs=120000`, {});
    expect(waited.status).toBe(200);
    expect(waited.body).toMatchObject({
      runId,
      sessionKey: "alice",
      channel: "cli",
      agent: "claude",
      status: "complete",
      gatewayStatus: "completed",
      reply: REPLY,
      error: null,
      endedAt: expect.any(Number),
    });
    expect(await client.get(`/agent/run/${runId}`)).toMatchObject({
      runId,
      status: "complete",
      reply: REPLY,
    });
    expect(await client.get(`/api/runs/${runId}`)).toMatchObject({
      run_id: runId,
      status: "completed",
      done: true,
      source: "agent",
      channel: "cli",
      session_key: "alice",
      session_id: accepted.sessionId,
      result: { reply: REPLY, tokens: { input: expect.any(Number), output: expect.any(Number) } },
    });

    // The same key continues the same session.
    const again = (await (
      await post("/agent", { sessionKey: "alice", message: "and again" })
    ).json()) as Json;
    expect(again).toMatchObject({ sessionId: accepted.sessionId, reply: REPLY, status: "ok" });
  });

  it("POST /agent answers the full reply as the OpenVesper CLI reads it", async () => {
    const res = await post("/agent", { sessionKey: "bob", message: "hello", channel: "cli" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({
      reply: REPLY,
      status: "ok",
      agent: "claude",
      runId: expect.any(String),
      sessionId: expect.any(String),
      durationMs: expect.any(Number),
      toolCalls: [],
    });
  });

  it("refuses bad input with a 4xx envelope naming the field", async () => {
    const missing = await post("/agent", { sessionKey: "x" });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Json).error).toMatch(/message/);
    const unknownAgent = await post("/agent/async", { sessionKey: "x", message: "hi", agent: "nobody" });
    expect(unknownAgent.status).toBe(404);
    expect(await unknownAgent.json()).toMatchObject({ code: "AGENT_NOT_FOUND" });
    const badTimeout = await post("/agent/run/whatever/wait?timeoutMs=-5", {});
    expect(badTimeout.status).toBe(400);
    expect(((await badTimeout.json()) as Json).error).toMatch(/timeoutMs/);
    const unknownRun = await post("/agent/run/no-such-run/wait", {});
    expect(unknownRun.status).toBe(404);
    expect(await unknownRun.json()).toMatchObject({ code: "RUN_NOT_FOUND" });
    expect((await fetch(`${env.gw.url}/api/runs/no-such-run`)).status).toBe(404);
  });

  it("many waiters on one run all get its result", async () => {
    const created = await post("/api/runs", { prompt: "HOLD this one" });
    expect(created.status).toBe(202);
    const { run_id: runId } = (await created.json()) as { run_id: string };
    expect(created.headers.get("location")).toBe(`/api/runs/${runId}`);
    await asked.waitFor((p) => p.includes("HOLD this one"));
    const waiters = [
      ...Array.from({ length: 3 }, () => client.post(`/api/runs/${runId}/wait`, { timeout_ms: 120_000 })),
      ...Array.from({ length: 3 }, () => client.post(`/agent/run/${runId}/wait?timeoutMs=120000`, {})),
    ];
    held.shift()!();
    const answers = await Promise.all(waiters);
    for (const answer of answers.slice(0, 3)) {
      expect(answer).toMatchObject({
        status: 200,
        body: {
          run_id: runId,
          status: "completed",
          done: true,
          timed_out: false,
          result: { reply: "Held reply." },
        },
      });
    }
    for (const answer of answers.slice(3)) {
      expect(answer).toMatchObject({
        status: 200,
        body: { runId, status: "complete", reply: "Held reply." },
      });
    }
  });

  it("a wait shorter than a long run returns it not done; abort kills its processes", async () => {
    const started = (await (
      await post("/agent/async", { sessionKey: "long", message: "HANG please" })
    ).json()) as Json;
    const runId = started.runId as string;
    await asked.waitFor((p) => p.includes("HANG please"));

    const ours = await client.post(`/api/runs/${runId}/wait?timeout_ms=200`, {});
    expect(ours).toMatchObject({
      status: 200,
      body: { run_id: runId, status: "running", done: false, timed_out: true },
    });
    const theirs = await client.post(`/agent/run/${runId}/wait`, { timeoutMs: 200 });
    expect(theirs.status).toBe(408);
    expect(theirs.body).toMatchObject({
      code: "RUN_WAIT_TIMEOUT",
      details: { run: { runId, status: "running" } },
    });

    const pid = (await client.get(`/api/runs/${runId}`)).pid as number;
    expect(pid).toBeGreaterThan(0);
    expect(await running(pid)).toBe(true);
    const aborted = await client.post(`/agent/run/${runId}/abort`, {});
    expect(aborted).toMatchObject({
      status: 200,
      body: { aborted: true, runId, status: "aborted", gatewayStatus: "stopped" },
    });
    expect(await running(pid)).toBe(false);
    expect(await client.get(`/api/runs/${runId}`)).toMatchObject({ status: "stopped", done: true });
    // Aborting again changes nothing.
    expect(await client.post(`/api/runs/${runId}/abort`, {})).toMatchObject({
      status: 200,
      body: { aborted: false, status: "stopped" },
    });
  });

  it("POST /agent/stream streams start, tokens and done {reply, durationMs}", async () => {
    const stream = await postSse(`${env.gw.url}/agent/stream`, { sessionKey: "carol", message: "stream it" });
    const done = await stream.waitFor((f) => f.type === "done" || f.type === "error", 60_000);
    stream.close();
    expect(done).toMatchObject({ type: "done", reply: REPLY, durationMs: expect.any(Number) });
    expect(stream.events[0]).toMatchObject({ type: "start", agent: "claude", sessionId: expect.any(String) });
    const tokens = stream.events.filter((f) => f.type === "token").map((f) => f.text);
    expect(tokens.join("")).toBe(REPLY);
  });

  it("Idempotency-Key: the same key and body give the same run; another body a 409", async () => {
    const headers = { "idempotency-key": "order-42" };
    const body = { sessionKey: "dave", message: "only once" };
    const first = (await (await post("/agent/async", body, headers)).json()) as Json;
    const second = (await (await post("/agent/async", body, headers)).json()) as Json;
    expect(second.runId).toBe(first.runId);
    const other = await post("/agent/async", { ...body, message: "something else" }, headers);
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    await client.post(`/agent/run/${first.runId}/wait?timeoutMs=120000`, {});
    expect(asked.items.filter((p) => p.includes("only once"))).toHaveLength(1);

    const created = await post("/api/runs", { prompt: "once via api" }, { "idempotency-key": "api-1" });
    const replay = await post("/api/runs", { prompt: "once via api" }, { "idempotency-key": "api-1" });
    expect(((await replay.json()) as Json).run_id).toBe(((await created.json()) as Json).run_id);
  });

  it("finds runs started by spawn, chat and the queue by their ids", async () => {
    const spawned = await client.post("/api/agent/claude/spawn", {
      prompt: "spawned run",
      workdir: env.workdir,
    });
    expect(spawned.status).toBe(200);
    const spawnRun = spawned.body.run_id as string;
    expect((await client.post(`/agent/run/${spawnRun}/wait?timeoutMs=120000`, {})).body).toMatchObject({
      runId: spawnRun,
      status: "complete",
      reply: REPLY,
    });
    expect(await client.get(`/api/runs/${spawnRun}`)).toMatchObject({
      source: "spawn",
      pid: spawned.body.pid,
    });

    const chat = await client.post("/api/chat", { message: "chat run" });
    expect(await client.get(`/api/runs/${chat.body.run_id}`)).toMatchObject({
      source: "chat",
      status: "completed",
    });

    const queued = await client.post("/api/queue", { agent_id: "claude", prompt: "queued run" });
    expect(queued.status).toBe(202);
    const jobId = queued.body.id as string;
    const waited = await client.post(`/api/runs/${jobId}/wait`, { timeout_ms: 120_000 });
    expect(waited.body).toMatchObject({
      status: "completed",
      done: true,
      queue_job_id: jobId,
      result: { reply: REPLY },
    });
    const runId = waited.body.run_id as string;
    expect(runId).not.toBe(jobId);
    expect(await client.get(`/agent/run/${runId}`)).toMatchObject({ runId, status: "complete" });
  });

  it("/ws speaks OpenVesper's register and message frames beside our own", async () => {
    const ws = await openWs(`${env.gw.url.replace("http", "ws")}/ws`);
    try {
      ws.send({ type: "register", sessionKey: "erin", channel: "vscode" });
      expect(await ws.waitFor((f) => f.type === "registered")).toMatchObject({ sessionKey: "erin" });
      ws.send({ type: "message", sessionKey: "erin", message: "over ws" });
      const done = await ws.waitFor((f) => f.type === "done" || f.type === "error", 120_000);
      expect(done).toMatchObject({ type: "done", reply: REPLY, durationMs: expect.any(Number) });
      const start = ws.frames.find((f) => f.type === "start");
      expect(start).toMatchObject({
        agent: "claude",
        sessionId: expect.any(String),
        runId: expect.any(String),
      });
      const tokens = ws.frames.filter((f) => f.type === "token").map((f) => f.text);
      expect(tokens.join("")).toBe(REPLY);
      expect(await client.get(`/api/runs/${start!.runId}`)).toMatchObject({
        source: "ws",
        channel: "vscode",
      });
      // Our own dialect still answers on the same socket.
      ws.send({ type: "ping", id: "p1" });
      expect(await ws.waitFor((f) => f.type === "pong")).toMatchObject({ id: "p1" });
    } finally {
      await ws.close();
    }
    const unregistered = await openWs(`${env.gw.url.replace("http", "ws")}/ws`);
    try {
      unregistered.send({ type: "message", message: "no key" });
      const error = await unregistered.waitFor((f) => f.type === "error");
      expect(error.error).toMatch(/sessionKey/);
    } finally {
      await unregistered.close();
    }
  });
});
