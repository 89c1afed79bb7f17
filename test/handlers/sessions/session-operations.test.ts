import { describe, expect, it } from "vitest";
import { json, jsonRequest } from "../../helpers/app.js";
import { type Json, setup } from "./session-fixture.js";

/** Session s-1 of coder with four messages (seq 1–4). */
async function withConversation() {
  const ctx = await setup();
  await ctx.sessions.appendMessages("s-1", [
    { role: "user", content: "first question" },
    { role: "assistant", content: "first answer" },
    { role: "user", content: "second question" },
    { role: "assistant", content: "second answer" },
  ]);
  await ctx.sessions.update("s-1", { native_session_id: "claude-native-1" });
  return ctx;
}

const post = (body: unknown) => jsonRequest("POST", body);

describe("session operations: both spellings over one implementation", () => {
  it("GET /sessions is an array with sessionKey; GET /sessions/:key answers by id", async () => {
    const { app } = await withConversation();
    const list = await json<Json[]>(await app.request("/sessions"));
    expect(Array.isArray(list)).toBe(true);
    expect(list).toMatchObject([{ id: "s-1", sessionKey: "s-1", agent: "coder", messageCount: 4 }]);
    expect(typeof list[0]!.updatedAt).toBe("number");
    const one = await json<Json>(await app.request("/sessions/s-1"));
    expect(one).toMatchObject({ id: "s-1", agent: "coder" });
    expect((one.messages as Json[])[0]).toMatchObject({ role: "user", content: "first question" });
    const missing = await app.request("/sessions/nobody");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: "SESSION_NOT_FOUND" });
  });

  it("fork copies the transcript under a new key and keeps the Claude session to fork", async () => {
    const { app, sessions } = await withConversation();
    const res = await app.request("/sessions/s-1/fork", post({ newSessionKey: "telegram:42" }));
    expect(res.status).toBe(200);
    const fork = await json<Json>(res);
    expect(fork).toMatchObject({ sessionKey: "telegram:42", agent: "coder" });
    expect((fork.messages as Json[]).map((m) => m.content)).toEqual([
      "first question",
      "first answer",
      "second question",
      "second answer",
    ]);
    const stored = await sessions.get(fork.id as string);
    expect(stored).toMatchObject({
      fork_native_session_id: "claude-native-1",
      forked_from: { session_id: "s-1" },
    });
    expect(stored.native_session_id).toBeUndefined();
    // The source keeps its CLI session but forks it on its next run, so the two never share later turns.
    expect(await sessions.get("s-1")).toMatchObject({
      native_session_id: "claude-native-1",
      fork_on_resume: true,
    });
    // The key names the fork (in a path a key with ":" is refused: the fork is reached by its id there);
    // it cannot be taken twice.
    const list = await json<Json[]>(await app.request("/sessions"));
    expect(list.find((s) => s.id === fork.id)).toMatchObject({ sessionKey: "telegram:42" });
    expect((await app.request("/sessions/telegram%3A42")).status).toBe(400);
    await app.request("/sessions/s-1/fork", post({ newSessionKey: "tg-42" }));
    expect(await json(await app.request("/sessions/tg-42"))).toMatchObject({ sessionKey: "tg-42" });
    const again = await app.request("/sessions/s-1/fork", post({ newSessionKey: "telegram:42" }));
    expect(again.status).toBe(409);
    // Our spelling: no key needed, 201 with the session view.
    const ours = await app.request("/api/sessions/s-1/fork", post({}));
    expect(ours.status).toBe(201);
    expect(await json(ours)).toMatchObject({ agent_id: "coder", message_count: 4 });
  });

  it("branch keeps the messages up to the given one and carries them over as text", async () => {
    const { app, sessions } = await withConversation();
    const res = await app.request("/sessions/s-1/branch", post({ newSessionKey: "b", messageIndex: 1 }));
    expect(res.status).toBe(200);
    const branch = await json<Json>(res);
    expect((branch.messages as Json[]).map((m) => m.content)).toEqual(["first question", "first answer"]);
    const stored = await sessions.get(branch.id as string);
    expect(stored.fork_native_session_id).toBeUndefined();
    expect(stored.carry_over).toBe("User: first question\n\nAssistant: first answer");
    const bySeq = await app.request("/api/sessions/s-1/branch", post({ message_seq: 3 }));
    expect(bySeq.status).toBe(201);
    expect(await json(bySeq)).toMatchObject({ message_count: 3 });
  });

  it("reset empties the conversation and archives the old transcript", async () => {
    const { app, sessions } = await withConversation();
    const res = await app.request("/sessions/s-1/reset", post({}));
    expect(res.status).toBe(200);
    const body = await json<Json>(res);
    expect(body).toMatchObject({ ok: true });
    const live = await sessions.get("s-1");
    expect(live).toMatchObject({ message_count: 0 });
    expect(live.native_session_id).toBeUndefined();
    const archive = await json<Json>(await app.request(`/api/sessions/${body.archivedSessionId as string}`));
    expect(archive).toMatchObject({ archived: true, archived_from: { session_id: "s-1", reason: "reset" } });
    expect((archive.messages as Json[]).length).toBe(4);
  });

  it("switches the agent; another executor starts afresh with the transcript", async () => {
    const { app, sessions } = await withConversation();
    const res = await app.request("/sessions/s-1/agent", post({ agent: "other" }));
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ ok: true, agent: "other" });
    const stored = await sessions.get("s-1");
    expect(stored).toMatchObject({ agent_id: "other", executor_type: "CODEX" });
    expect(stored.native_session_id).toBeUndefined();
    expect(String(stored.carry_over)).toContain("second answer");
    const unknown = await app.request("/api/sessions/s-1/agent", post({ agent_id: "ghost" }));
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toMatchObject({ code: "AGENT_NOT_FOUND" });
  });

  it("queue mode: default reject, set and read back in both spellings", async () => {
    const { app } = await withConversation();
    expect(await json(await app.request("/sessions/s-1/queue"))).toMatchObject({
      mode: "reject",
      pending: [],
      running: false,
    });
    const set = await app.request("/sessions/s-1/queue/mode", post({ mode: "followup" }));
    expect(set.status).toBe(200);
    expect(await json(set)).toMatchObject({ mode: "queue" });
    expect(await json(await app.request("/api/sessions/s-1/queue"))).toMatchObject({
      session_id: "s-1",
      mode: "queue",
    });
  });

  it("tokens: recorded usage and the catalogue's context window", async () => {
    const { app, sessions } = await withConversation();
    await sessions.update("s-1", { add_tokens: { input: 1000, output: 200 } });
    await app.request("/api/agent/coder", jsonRequest("PATCH", { model: "claude-sonnet-4-5" }));
    const tokens = await json<Json>(await app.request("/sessions/s-1/tokens"));
    expect(tokens).toMatchObject({
      sessionKey: "s-1",
      messageCount: 4,
      usage: { input: 1000, output: 200 },
      contextWindow: 200_000,
      model: "claude-sonnet-4-5",
      shouldAutoCompact: false,
    });
    expect(tokens.estimatedTokens).toBeGreaterThan(0);
    expect(await json(await app.request("/api/sessions/s-1/tokens"))).toMatchObject({
      context_window: 200_000,
    });
  });
});

describe("session operations: bad input is a 4xx naming the problem", () => {
  it.each([
    ["/sessions/s-1/fork", {}, "newSessionKey"],
    ["/sessions/s-1/branch", { newSessionKey: "x" }, "messageIndex"],
    ["/sessions/s-1/branch", { newSessionKey: "x", messageIndex: 9 }, "messageIndex"],
    ["/sessions/s-1/branch", { newSessionKey: "x", messageIndex: -1 }, "messageIndex"],
    ["/sessions/s-1/agent", {}, "agent"],
    ["/sessions/s-1/queue/mode", { mode: "sometimes" }, "mode"],
    ["/api/sessions/s-1/queue/mode", { mode: "sometimes" }, "mode"],
    ["/api/sessions/s-1/branch", {}, "message_seq"],
    ["/api/sessions/s-1/branch", { message_seq: 99 }, "message_seq"],
    ["/api/sessions/s-1/agent", { agent_id: "a/b" }, "agent_id"],
    ["/sessions/s-1/compact", { keepRecent: -1 }, "keepRecent"],
    ["/api/sessions/s-1/compact", { keep_recent: "ten" }, "keep_recent"],
  ])("POST %s %j → 400 naming %s", async (path, body, field) => {
    const { app } = await withConversation();
    const res = await app.request(path, post(body));
    expect(res.status).toBe(400);
    const error = await json<Json>(res);
    expect(error.error).toContain(field);
  });

  it("a malformed body and an unknown session", async () => {
    const { app } = await withConversation();
    const bad = await app.request("/sessions/s-1/fork", post("{not json"));
    expect(bad.status).toBe(400);
    expect((await app.request("/sessions/ghost/reset", post({}))).status).toBe(404);
    expect((await app.request("/api/sessions/ghost/fork", post({}))).status).toBe(404);
    expect((await app.request("/api/sessions/ghost/tokens")).status).toBe(404);
  });

  it("compact needs runs: 501 where the runtime has none", async () => {
    const { app } = await withConversation();
    const res = await app.request("/sessions/s-1/compact", post({ keepRecent: 10 }));
    expect(res.status).toBe(501);
  });
});
