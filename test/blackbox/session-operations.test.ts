/*
 * The session operations (OpenVesper's /sessions/:key/... and our /api/sessions/{id}/...) against a real
 * gateway whose agents are the real Claude Code CLI talking to the local Anthropic stub. What the model
 * "remembers" is checked where it matters: in the requests the stub receives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest, type StubReply } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import type { Json } from "../helpers/clients.js";
import { gate, lastUserText } from "../helpers/interactive-claude.js";
import { postSse } from "../helpers/post-sse.js";

/** Everything the model was sent in one request, as text. */
const seen = (body: MessagesRequest) => body.messages.map((m) => contentText(m.content)).join("\n");

/** Resolves when the stub gets a request whose last user turn contains `marker`. */
function arrival() {
  const waiting = new Map<string, () => void>();
  return {
    notify(prompt: string) {
      for (const [marker, resolve] of waiting) if (prompt.includes(marker)) resolve();
    },
    wait(marker: string) {
      return new Promise<void>((resolve) => waiting.set(marker, resolve));
    },
  };
}

describe("session operations with the real Claude Code CLI", () => {
  let env: ClaudeGateway;
  const arrived = arrival();
  const holdGate = gate();
  const steerGate = gate();

  async function script(body: MessagesRequest): Promise<StubReply> {
    const prompt = lastUserText(body);
    arrived.notify(prompt);
    if (prompt.includes("Summarise the conversation below")) {
      return { text: "SUMMARY-XYZ: the user shared facts delta and echo." };
    }
    if (prompt.includes("HOLD_ME")) await holdGate.opened;
    if (prompt.includes("HANG_ME")) return { text: "hanging", hang: true };
    if (prompt.includes("STEER_FIRST")) {
      await steerGate.opened;
      return { text: "First reply." };
    }
    if (prompt.includes("STEER_SECOND")) return { text: "Steered reply." };
    return { text: `Noted: ${prompt.slice(-40)}`, usage: { input_tokens: 120, output_tokens: 12 } };
  }

  const request = async (method: string, path: string, body?: unknown): Promise<[number, Json]> => {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  };
  const chat = async (session_id: string, message: string, extra: Json = {}) =>
    request("POST", "/api/chat", { session_id, message, workdir: env.workdir, ...extra });
  const ok = async (method: string, path: string, body?: unknown) => {
    const [status, json] = await request(method, path, body);
    if (status >= 300) throw new Error(`${method} ${path} answered ${status}: ${JSON.stringify(json)}`);
    return json;
  };
  /** The (last) request the stub got for a prompt containing `marker`. */
  const requestFor = (marker: string) => {
    const found = env.stub.requests.findLast((r) => lastUserText(r).includes(marker));
    if (!found) throw new Error(`the stub never got ${marker}`);
    return found;
  };

  beforeAll(async () => {
    env = await startClaudeGateway(script);
  });
  afterAll(async () => {
    holdGate.open();
    steerGate.open();
    await env?.close();
  });

  it("fork, then resume both branches: each remembers only its own later turns", async () => {
    expect((await chat("orig", "remember ALPHA"))[0]).toBe(200);
    const fork = await ok("POST", "/sessions/orig/fork", { newSessionKey: "forked-key" });
    expect(fork).toMatchObject({ sessionKey: "forked-key", agent: "claude" });
    const forkId = fork.id as string;

    expect((await chat("orig", "orig-only BRAVO"))[0]).toBe(200);
    expect((await chat(forkId, "fork-only CHARLIE"))[0]).toBe(200);
    expect((await chat("orig", "recall-orig"))[0]).toBe(200);
    expect((await chat(forkId, "recall-fork"))[0]).toBe(200);

    const origSaw = seen(requestFor("recall-orig"));
    expect(origSaw).toContain("ALPHA");
    expect(origSaw).toContain("BRAVO");
    expect(origSaw).not.toContain("CHARLIE");
    const forkSaw = seen(requestFor("recall-fork"));
    expect(forkSaw).toContain("ALPHA");
    expect(forkSaw).toContain("CHARLIE");
    expect(forkSaw).not.toContain("BRAVO");
    // The fork's first run forked Claude Code's own session (resume + --fork-session), not a text copy.
    expect(seen(requestFor("fork-only CHARLIE"))).not.toContain("Here is the conversation so far");

    const origSession = await ok("GET", "/api/sessions/orig");
    const forkSession = await ok("GET", `/api/sessions/${forkId}`);
    expect(forkSession.native_session_id).toEqual(expect.any(String));
    expect(forkSession.native_session_id).not.toBe(origSession.native_session_id);

    const list = await ok("GET", "/sessions");
    expect(Array.isArray(list)).toBe(true);
    const keys = (list as unknown as Json[]).map((s) => s.sessionKey);
    expect(keys).toEqual(expect.arrayContaining(["orig", "forked-key"]));
  });

  it("branch at a message: the branch knows the turns up to it and nothing later", async () => {
    expect((await chat("tree", "first DELTA-ONE"))[0]).toBe(200);
    expect((await chat("tree", "second ECHO-TWO"))[0]).toBe(200);
    const messages = (await ok("GET", "/api/sessions/tree")).messages as Json[];
    const firstAnswer = messages.find((m) => m.role === "assistant")!;
    const branch = await ok("POST", "/api/sessions/tree/branch", { message_seq: firstAnswer.seq });
    expect(branch.message_count).toBe(firstAnswer.seq);
    expect((await chat(branch.id as string, "recall-branch"))[0]).toBe(200);
    const saw = seen(requestFor("recall-branch"));
    expect(saw).toContain("DELTA-ONE");
    expect(saw).not.toContain("ECHO-TWO");
    // The original still has both.
    expect((await chat("tree", "recall-tree"))[0]).toBe(200);
    expect(seen(requestFor("recall-tree"))).toContain("ECHO-TWO");
  });

  it("compact, then continue: the model sees the summary, not the old messages; the old transcript stays readable", async () => {
    expect((await chat("cmp", "fact FOX-DELTA"))[0]).toBe(200);
    expect((await chat("cmp", "fact FOX-ECHO"))[0]).toBe(200);
    const result = await ok("POST", "/sessions/cmp/compact", { keepRecent: 0 });
    expect(result).toMatchObject({ ok: true, compacted: true, summarizedMessages: 4, keptMessages: 0 });
    expect(String(result.summary)).toContain("SUMMARY-XYZ");
    // The summariser saw the old messages.
    expect(seen(requestFor("Summarise the conversation below"))).toContain("FOX-ECHO");

    const live = (await ok("GET", "/api/sessions/cmp")).messages as Json[];
    expect(live).toHaveLength(1);
    expect(String(live[0]!.content)).toContain("SUMMARY-XYZ");
    const archive = await ok("GET", `/api/sessions/${result.archivedSessionId as string}`);
    expect((archive.messages as Json[]).map((m) => m.content)).toContain("fact FOX-DELTA");

    expect((await chat("cmp", "after-compact GOLF"))[0]).toBe(200);
    const saw = seen(requestFor("after-compact GOLF"));
    expect(saw).toContain("SUMMARY-XYZ");
    expect(saw).not.toContain("FOX-DELTA");
    expect(saw).not.toContain("FOX-ECHO");
  });

  it("reset clears the conversation and keeps the key; the old transcript is archived", async () => {
    expect((await chat("rst", "secret HOTEL"))[0]).toBe(200);
    const reset = await ok("POST", "/sessions/rst/reset");
    expect(reset).toMatchObject({ ok: true });
    expect(await ok("GET", "/sessions/rst")).toMatchObject({ id: "rst", messages: [] });
    expect((await chat("rst", "after-reset"))[0]).toBe(200);
    expect(seen(requestFor("after-reset"))).not.toContain("HOTEL");
    const archive = await ok("GET", `/api/sessions/${reset.archivedSessionId as string}`);
    expect((archive.messages as Json[])[0]).toMatchObject({ content: "secret HOTEL" });
  });

  it("switching the agent: the next message is answered by the other agent, with the conversation", async () => {
    const [created] = await request("POST", "/api/agent", {
      id: "haiku",
      name: "Haiku",
      executor_type: "CLAUDE_CODE",
      model: "claude-haiku-4-5",
      permission_mode: "bypassPermissions",
    });
    expect(created).toBe(201);
    expect((await chat("sw", "before-switch INDIA"))[0]).toBe(200);
    expect(await ok("POST", "/sessions/sw/agent", { agent: "haiku" })).toEqual({ ok: true, agent: "haiku" });
    const [status, answer] = await request("POST", "/api/chat", {
      session_id: "sw",
      message: "after-switch",
    });
    expect(status).toBe(200);
    expect(answer.session_id).toBe("sw");
    const sent = requestFor("after-switch");
    expect(sent.model).toBe("claude-haiku-4-5");
    expect(seen(sent)).toContain("INDIA");
    expect(await ok("GET", "/api/sessions/sw")).toMatchObject({ agent_id: "haiku" });
  });

  it("tokens: recorded usage and the context window of the session's model", async () => {
    const tokens = await ok("GET", "/sessions/orig/tokens");
    expect(tokens).toMatchObject({ sessionKey: "orig", contextWindow: 200_000, model: "claude-sonnet-4-5" });
    expect((tokens.usage as Json).input as number).toBeGreaterThan(0);
    expect(tokens.contextTokens as number).toBeGreaterThan(0);
    expect(tokens.contextFill as number).toBeGreaterThan(0);
    expect(tokens.contextFill as number).toBeLessThan(1);
  });

  it("queue modes: reject (409), queue after the current run, interrupt and restart", async () => {
    expect((await chat("busy", "warm-up"))[0]).toBe(200);
    // reject, the default
    const held = chat("busy", "HOLD_ME first");
    await arrived.wait("HOLD_ME");
    const [rejected, refusal] = await chat("busy", "too soon");
    expect(rejected).toBe(409);
    expect(refusal).toMatchObject({ code: "SESSION_BUSY" });

    // queue: the message waits for the current run, then runs with it in its history
    expect(await ok("POST", "/sessions/busy/queue/mode", { mode: "queue" })).toMatchObject({
      mode: "queue",
      running: true,
    });
    const queued = chat("busy", "QUEUED_SECOND");
    await expect
      .poll(async () => ((await ok("GET", "/sessions/busy/queue")).pending as Json[]).length)
      .toBe(1);
    expect(env.stub.requests.some((r) => lastUserText(r).includes("QUEUED_SECOND"))).toBe(false);
    holdGate.open();
    expect((await held)[0]).toBe(200);
    const [queuedStatus, queuedAnswer] = await queued;
    expect(queuedStatus).toBe(200);
    expect(queuedAnswer.response).toContain("QUEUED_SECOND");
    expect(seen(requestFor("QUEUED_SECOND"))).toContain("HOLD_ME first");
    expect((await ok("GET", "/api/sessions/busy/queue")).pending).toEqual([]);

    // interrupt: the running turn is stopped and the new message runs
    await ok("POST", "/api/sessions/busy/queue/mode", { mode: "interrupt" });
    const hanging = chat("busy", "HANG_ME please");
    await arrived.wait("HANG_ME");
    const [restarted, restartAnswer] = await chat("busy", "RESTARTED now");
    expect(restarted).toBe(200);
    expect(restartAnswer.response).toContain("RESTARTED");
    const [hangStatus, hangAnswer] = await hanging;
    expect(hangStatus).toBe(409);
    expect(hangAnswer).toMatchObject({ code: "RUN_STOPPED" });
  });

  it("steer: a message to a session in an interactive Claude Code run is handed to the running run", async () => {
    const stream = await postSse(`${env.gw.url}/api/agent/run`, {
      prompt: "STEER_FIRST",
      agent_id: "claude",
      cwd: env.workdir,
    });
    const started = await stream.waitFor((f) => f.type === "session");
    const sessionId = started.session_id as string;
    await ok("POST", `/sessions/${sessionId}/queue/mode`, { mode: "steer" });
    const steered = chat(sessionId, "STEER_SECOND please");
    // The steer is recorded in the session as the next user turn once handed over.
    await expect
      .poll(async () => JSON.stringify((await ok("GET", `/api/sessions/${sessionId}`)).messages))
      .toContain("STEER_SECOND please");
    steerGate.open();
    const [status, answer] = await steered;
    expect(status).toBe(200);
    expect(answer.session_id).toBe(sessionId);
    await stream.waitFor((f) => f.type === "done");
    const text = stream.events
      .filter((f) => f.type === "text")
      .map((f) => f.content)
      .join("");
    expect(text).toContain("Steered reply.");
    stream.close();
  });
});
