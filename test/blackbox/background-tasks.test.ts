/*
 * OpenVesper's background tasks (/tasks) against a real gateway whose default agent is the real Claude Code
 * CLI talking to the local Anthropic stub: a task runs through the queue at its runAt, a recurring one
 * schedules its next occurrence on the same session, and a scheduled task survives a gateway restart and
 * runs afterwards. Waits on the gateway's own events (/api/events), never on sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openSse } from "../helpers/clients.js";
import { realClaudeEnv } from "../helpers/real-claude-home.js";

describe("background tasks through the queue with the real Claude Code CLI", () => {
  let env: ClaudeGateway;
  let restarted: RunningGateway | undefined;
  let url: string;
  const replies: string[] = [];

  beforeAll(async () => {
    env = await startClaudeGateway((_body, index) => {
      const text = `Report ${index + 1} ready.`;
      replies.push(text);
      return { text, usage: { input_tokens: 12, output_tokens: 4 } };
    });
    url = env.gw.url;
  });
  afterAll(async () => {
    await restarted?.close();
    await env?.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<[number, Json]> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  }

  it("runs a task at runAt through the queue and recurs on the same session", async () => {
    const sse = await openSse(`${url}/api/events?type=background_task_started,background_task_ended`);
    const runAt = Date.now() + 1500;
    const [status, created] = await call("POST", "/tasks", {
      kind: "deferred-run",
      sessionKey: "cli:reports",
      channel: "cli",
      payload: "Prepare the report",
      runAt,
      recurEveryMs: 1000,
    });
    expect(status).toBe(200);
    const id = created.id as string;

    const ended = await sse.waitFor((e) => e.type === "background_task_ended" && e.task_id === id, 60_000);
    expect(ended.status).toBe("complete");
    const [, first] = await call("GET", `/tasks/${id}`);
    expect(first).toMatchObject({
      status: "complete",
      result: expect.stringMatching(/^Report \d+ ready\.$/),
    });
    expect(first.startedAt as number).toBeGreaterThanOrEqual(runAt);
    const sessionId = first.sessionId as string;
    expect(sessionId).toBeTruthy();
    // The key names the session for every route (the same index as POST /agent and /sessions/:key).
    const [, sessionList] = (await call("GET", "/sessions")) as unknown as [number, Json[]];
    expect(sessionList.find((s) => s.id === sessionId)).toMatchObject({ sessionKey: "cli:reports" });
    // It went through the queue, as one of its jobs.
    const [, jobs] = await call("GET", "/api/queue?source=api");
    expect((jobs.jobs as Json[]).find((j) => j.id === first.jobId)).toMatchObject({
      status: "succeeded",
      source_id: `background-task:${id}`,
      prompt: "Prepare the report",
      session_id: sessionId,
    });

    // The next occurrence: a new task scheduled by the first, run on the same session.
    const [, tasks] = (await call("GET", "/tasks?sessionKey=cli:reports")) as unknown as [number, Json[]];
    const next = tasks.find((t) => t.previousTaskId === id);
    expect(next).toMatchObject({ recurEveryMs: 1000, sessionId, channel: "cli" });
    const nextEnded = await sse.waitFor(
      (e) => e.type === "background_task_ended" && e.task_id === next?.id,
      60_000,
    );
    expect(nextEnded).toMatchObject({ status: "complete", session_id: sessionId });
    const [, messages] = await call("GET", `/api/sessions/${sessionId}`);
    const texts = (messages.messages as Json[]).map((m) => m.content);
    expect(texts.filter((t) => t === "Prepare the report")).toHaveLength(2);

    // Stop the schedule: the pending occurrence is cancelled (a run under way is stopped).
    const [, after] = (await call("GET", "/tasks?sessionKey=cli:reports")) as unknown as [number, Json[]];
    const pending = after.filter((t) => t.status === "scheduled" || t.status === "running");
    expect(pending.length).toBeGreaterThanOrEqual(1);
    for (const task of pending) {
      const [code, answer] = await call("DELETE", `/tasks/${task.id}`);
      expect(code).toBe(200);
      expect(typeof answer.cancelled).toBe("boolean");
    }
    const [, counts] = await call("GET", "/tasks/status");
    expect(counts).toMatchObject({ scheduled: 0, running: 0 });
    sse.close();
  });

  it("keeps a scheduled task across a restart and runs it afterwards", async () => {
    const [, created] = await call("POST", "/tasks", {
      kind: "deferred-run",
      sessionKey: "cli:later",
      payload: "Run after the restart",
      runAt: Date.now() + 4000,
    });
    const id = created.id as string;
    await env.gw.close();
    restarted = await startGateway({ port: 0, env: realClaudeEnv(env.home, env.stub.url) });
    url = restarted.url;
    // From the start of the new gateway's event buffer: the task may already be due when it starts.
    const sse = await openSse(`${url}/api/events?type=background_task_ended`, { "last-event-id": "0" });
    const [status, kept] = await call("GET", `/tasks/${id}`);
    expect(status).toBe(200);
    expect(kept).toMatchObject({ id, payload: "Run after the restart", kind: "deferred-run" });
    const ended = await sse.waitFor((e) => e.task_id === id, 60_000);
    expect(ended.status).toBe("complete");
    const [, done] = await call("GET", `/tasks/${id}`);
    expect(done).toMatchObject({ status: "complete", result: expect.stringMatching(/ready\.$/) });
    // The tasks of before the restart are still listed (the cancelled occurrence too).
    const [, all] = (await call("GET", "/tasks")) as unknown as [number, Json[]];
    expect(all.filter((t) => t.sessionKey === "cli:reports").length).toBeGreaterThanOrEqual(3);
    sse.close();
  });
});
