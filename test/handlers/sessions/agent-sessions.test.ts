import { describe, expect, it } from "vitest";
import { HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";
import { type Json, setup } from "./session-fixture.js";

describe("agent sessions and messages", () => {
  it("creates, lists, gets and deletes sessions of an agent", async () => {
    const { app } = await setup();
    expect(await json(await app.request("/api/agent/coder/sessions/s-1"))).toMatchObject({
      id: "s-1",
      agent_id: "coder",
      agent: "coder",
      title: "First",
      status: "idle",
      workdir: HOME,
      message_count: 0,
    });
    const list = await json<{ sessions: Json[]; total: number }>(
      await app.request("/api/agent/coder/sessions"),
    );
    expect(list.total).toBe(1);
    // Another agent does not see it.
    expect((await app.request("/api/agent/other/sessions/s-1")).status).toBe(404);
    expect(await json(await app.request("/api/agent/other/sessions"))).toMatchObject({ total: 0 });
    const clash = await app.request(
      "/api/agent/coder/sessions",
      jsonRequest("POST", { workdir: HOME, id: "s-1" }),
    );
    expect(clash.status).toBe(409);
    expect((await app.request("/api/agent/coder/sessions/s-1", { method: "DELETE" })).status).toBe(200);
    expect((await app.request("/api/agent/coder/sessions/s-1")).status).toBe(404);
  });

  it("refuses a session workdir outside what the agent may use", async () => {
    const { app } = await setup();
    const res = await app.request("/api/agent/coder/sessions", jsonRequest("POST", { workdir: "/tmp" }));
    expect(res.status).toBe(400);
    expect((await json(res)).code).toBe("WORKDIR_NOT_ALLOWED");
  });

  it("pages messages with cursors and folds tool calls into UI turns", async () => {
    const { app, sessions } = await setup();
    for (let i = 0; i < 120; i++) {
      await app.request(
        "/api/agent/coder/sessions/s-1/messages",
        jsonRequest("POST", { role: i % 2 === 0 ? "user" : "assistant", content: `m${i}` }),
      );
    }
    const last = await json<{ messages: Json[]; prev_cursor?: string }>(
      await app.request("/api/agent/coder/sessions/s-1/messages?limit=50"),
    );
    expect(last.messages.map((m) => m.content)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 70}`));
    const before = await json<{ messages: Json[]; prev_cursor?: string }>(
      await app.request(`/api/agent/coder/sessions/s-1/messages?limit=50&before=${last.prev_cursor}`),
    );
    expect(before.messages[0]?.content).toBe("m20");
    const bad = await app.request("/api/agent/coder/sessions/s-1/messages?before=%%%");
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatch(/cursor/);
    expect((await app.request("/api/agent/coder/sessions/s-1/messages?limit=0")).status).toBe(400);

    await sessions.create({
      id: "s-2",
      agent_id: "coder",
      agent_source: "global",
      workspace_path: HOME,
      workdir: HOME,
    });
    await sessions.appendMessages("s-2", [
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [{ id: "t1", name: "Bash", input: { command: "ls" } }],
      },
      { role: "tool", content: "a.txt", tool_use_id: "t1", tool_name: "Bash", is_error: false },
      { role: "assistant", content: "There is a.txt." },
    ]);
    const ui = await json<{ messages: Json[] }>(
      await app.request("/api/agent/coder/sessions/s-2/ui-messages"),
    );
    expect(ui.messages).toMatchObject([
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [{ id: "t1", name: "Bash", input: { command: "ls" }, result: "a.txt", is_error: false }],
      },
      { role: "assistant", content: "There is a.txt." },
    ]);
  });

  it("answers 501 for runs where the runtime cannot spawn processes", async () => {
    const { app } = await setup();
    const res = await app.request(
      "/api/agent/coder/spawn",
      jsonRequest("POST", { prompt: "x", workdir: HOME }),
    );
    expect(res.status).toBe(501);
    expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    expect((await app.request("/api/chat", jsonRequest("POST", { message: "x" }))).status).toBe(501);
  });
});

describe("sessions as the original Viben clients use them", () => {
  it("creates from the original's body, patches, clears and answers its fields", async () => {
    const { app } = await setup();
    const res = await app.request(
      "/api/agent/coder/sessions",
      jsonRequest("POST", { session_id: "orig-1", prompt: "Fix the bug", task_id: "t-9", agent_config: {} }),
    );
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({
      id: "orig-1",
      prompt: "Fix the bug",
      title: "Fix the bug",
      task_id: "t-9",
      metadata: {},
      workdir: HOME,
      warnings: [{ field: "agent_config" }],
    });
    expect(created.updated_at).toBe(created.last_activity);
    const inWorkspace = await app.request(
      "/api/agent/coder/sessions",
      jsonRequest("POST", { workspace_path: PROJECT }),
    );
    expect(await json(inWorkspace)).toMatchObject({ workdir: PROJECT });

    const patched = await app.request(
      "/api/agent/coder/sessions/orig-1",
      jsonRequest("PATCH", { metadata: { pinned: true }, status: "completed" }),
    );
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({
      metadata: { pinned: true },
      status: "idle",
      warnings: [{ field: "status" }],
    });
    expect((await app.request("/api/agent/other/sessions/orig-1", jsonRequest("PATCH", {}))).status).toBe(
      404,
    );

    await app.request(
      "/api/agent/coder/sessions/orig-1/messages",
      jsonRequest("POST", { role: "user", content: "hi", tool_calls: { odd: true } }),
    );
    const messages = await json<{ messages: Json[]; total: number }>(
      await app.request("/api/agent/coder/sessions/orig-1/messages"),
    );
    expect(messages.total).toBe(1);
    const cleared = await app.request("/api/agent/coder/sessions/orig-1/messages", { method: "DELETE" });
    expect(await json(cleared)).toMatchObject({ success: true, cleared: 1 });
    expect(await json(await app.request("/api/agent/coder/sessions/orig-1/messages"))).toMatchObject({
      messages: [],
      total: 0,
    });
    expect(await json(await app.request("/api/agent/coder/sessions/orig-1"))).toMatchObject({
      message_count: 0,
    });
  });

  it("answers typed blocks at /api/agents/... and with ?format=blocks, tool results on messages", async () => {
    const { app, sessions } = await setup();
    await sessions.appendMessages("s-1", [
      { role: "user", content: "list files" },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [{ id: "t1", name: "Bash", input: { command: "ls" } }],
      },
      { role: "tool", content: "a.txt", tool_use_id: "t1", tool_name: "Bash", is_error: false },
      { role: "assistant", content: "There is a.txt." },
    ]);
    const blocks = await json<{ messages: Json[]; total: number }>(
      await app.request("/api/agents/coder/sessions/s-1/ui-messages"),
    );
    expect(blocks.messages).toMatchObject([
      { type: "user", content: "list files" },
      { type: "text", content: "Let me look." },
      { type: "tool_use", tool_use_id: "t1", tool_name: "Bash", tool_input: { command: "ls" } },
      { type: "tool_result", tool_use_id: "t1", tool_name: "Bash", tool_output: "a.txt", is_error: false },
      { type: "text", content: "There is a.txt." },
    ]);
    expect(blocks.total).toBe(5);
    const same = await json(await app.request("/api/agent/coder/sessions/s-1/ui-messages?format=blocks"));
    expect(same).toEqual(blocks);
    const turns = await json<{ messages: Json[] }>(
      await app.request("/api/agent/coder/sessions/s-1/ui-messages"),
    );
    expect(turns.messages[0]).toMatchObject({ role: "user" });
    const page = await json<{ messages: Json[] }>(
      await app.request("/api/agent/coder/sessions/s-1/messages"),
    );
    expect(page.messages[2]).toMatchObject({
      role: "tool",
      tool_result: { tool_use_id: "t1", content: "a.txt", is_error: false },
    });
  });
});
