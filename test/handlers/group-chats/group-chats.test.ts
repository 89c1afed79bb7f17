import { describe, expect, it } from "vitest";
import type { GroupChatFrame } from "../../../handlers/capabilities/group-chats.js";
import type { RunHandle, RunOutcome, RunRequest, RunService } from "../../../handlers/capabilities/runs.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import { GroupChatRuntime } from "../../../runtime/group-chats/group-chat-service.js";
import { AgentRepository } from "../../../storage/agents.js";
import { GroupChatSessionRepository } from "../../../storage/group-chat-sessions.js";
import { GroupChatRepository } from "../../../storage/group-chats.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT, silentLogger } from "../../helpers/app.js";

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field, as a client would.
type Loose = any;

/** A RunService whose runs answer what `reply` says for the agent and prompt; `hold` keeps a run going until stopped. */
function scriptedRuns(reply: (request: RunRequest) => string, hold?: (request: RunRequest) => boolean) {
  const started: RunRequest[] = [];
  const live = new Map<string, () => void>();
  /** Ends a held run as completed. */
  const released = new Map<string, () => void>();
  const runs: RunService = {
    start: async (request): Promise<RunHandle> => {
      started.push(request);
      const runId = `run-${started.length}`;
      const sessionId = request.sessionId ?? `s-${started.length}`;
      const outcome = (status: RunOutcome["status"], response: string): RunOutcome => ({
        runId,
        sessionId,
        status,
        response,
        toolsUsed: [],
        tokens: { input: 10, output: 5 },
        costCents: 1,
      });
      const done = hold?.(request)
        ? new Promise<RunOutcome>((resolve) => {
            live.set(sessionId, () => resolve(outcome("stopped", "partial")));
            released.set(sessionId, () => resolve(outcome("completed", reply(request))));
          }).finally(() => {
            live.delete(sessionId);
            released.delete(sessionId);
          })
        : Promise.resolve(outcome("completed", reply(request)));
      return { runId, sessionId, pid: 4242, done };
    },
    stop: async (sessionId) => {
      const finish = live.get(sessionId);
      if (!finish) return false;
      finish();
      return true;
    },
    isRunning: (sessionId) => live.has(sessionId),
  };
  return { runs, started, live, released };
}

function setup(reply: (request: RunRequest) => string, hold?: (request: RunRequest) => boolean) {
  const fake = scriptedRuns(reply, hold);
  const events = createEventBus();
  let runtime: GroupChatRuntime | undefined;
  const t = createTestApp({
    runs: fake.runs,
    events,
    extend: ({ scopes }) => {
      runtime = new GroupChatRuntime({
        scopes,
        paths: {
          isDirectory: async () => true,
          realpath: async (p) => p,
          specialFilesystem: async () => undefined,
        },
        agents: new AgentRepository(() => new Date()),
        chats: new GroupChatRepository(),
        sessions: new GroupChatSessionRepository(),
        runs: fake.runs,
        events,
        workdirRoots: async () => undefined,
        logger: silentLogger,
      });
      return { groupChats: runtime };
    },
  });
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await t.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
    return { status: response.status, body: await json<Loose>(response) };
  };
  /** Collects a session's frames until `orchestration_complete`. */
  const frames = (groupChatId: string, sessionId: string) => {
    const seen: GroupChatFrame[] = [];
    let ended: () => void = () => {};
    const complete = new Promise<void>((resolve) => {
      ended = resolve;
    });
    const scope = t.scopes.global();
    runtime!.subscribe({ scope, groupChatId, sessionId }, (frame) => {
      seen.push(frame);
      if (frame.type === "orchestration_complete") ended();
    });
    return { seen, complete };
  };
  return { ...t, ...fake, request, frames, runtime: () => runtime! };
}

async function chatWithSession(t: ReturnType<typeof setup>, body: Record<string, unknown>) {
  const chat = await t.request("POST", "/api/group-chats", { name: "Team", ...body });
  expect(chat.status, JSON.stringify(chat.body)).toBe(201);
  const session = await t.request("POST", `/api/group-chats/${chat.body.id}/sessions`, { title: "First" });
  expect(session.status).toBe(201);
  return { chatId: chat.body.id as string, sessionId: session.body.id as string };
}

describe("group chat CRUD", () => {
  it("creates, lists, reads, updates and deletes a chat in Viben's shapes with ours beside them", async () => {
    const t = setup(() => "ok");
    const created = await t.request("POST", "/api/group-chats", {
      name: "Review team",
      created_by: "user-1",
      members: [
        "CLAUDE_CODE",
        { type: "agent", member_id: "CODEX", display_name: "Codex" },
        { type: "human", member_id: "bob" },
      ],
      orchestration: { mode: "mention" },
      limits: { max_turns: 4, budget_cents: 50 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      name: "Review team",
      created_by: "user-1",
      orchestration: { mode: "mention" },
      limits: { max_turns: 4, budget_cents: 50 },
      settings: { broadcast_mode: "all", show_thinking: false },
      workspace_path: HOME,
      is_global: true,
    });
    expect(created.body.group_chat.id).toBe(created.body.id);
    expect(created.body.members.map((m: Loose) => [m.member_id, m.member_type])).toEqual([
      ["CLAUDE_CODE", "executor"],
      ["CODEX", "agent"],
      ["bob", "human"],
    ]);
    const id = created.body.id;

    const listed = await t.request("GET", "/api/group-chats");
    expect(listed.body.group_chats.map((c: Loose) => c.id)).toEqual([id]);

    const patched = await t.request("PATCH", `/api/group-chats/${id}`, {
      name: "Renamed",
      mode: "round_robin",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: "Renamed", orchestration: { mode: "round_robin" } });

    const added = await t.request("POST", `/api/group-chats/${id}/members`, {
      type: "human",
      member_id: "carol",
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ id: "carol", member_type: "human" });
    const duplicate = await t.request("POST", `/api/group-chats/${id}/members`, {
      member_id: "carol",
      type: "human",
    });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error).toContain("already exists");
    expect((await t.request("DELETE", `/api/group-chats/${id}/members/carol`)).body).toEqual({
      deleted: "carol",
    });
    expect((await t.request("DELETE", `/api/group-chats/${id}/members/nobody`)).status).toBe(404);

    expect((await t.request("DELETE", `/api/group-chats/${id}`)).body).toEqual({ deleted: id });
    expect((await t.request("GET", `/api/group-chats/${id}`)).status).toBe(404);
  });

  it("keeps a chat in its workspace's .viben and refuses bad input with 4xx envelopes", async () => {
    const t = setup(() => "ok");
    const created = await t.request("POST", "/api/group-chats", {
      name: "Local",
      workspace_path: PROJECT,
      members: ["CLAUDE_CODE"],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ workspace_path: PROJECT, is_global: false, source: "workspace" });
    const stored = await t.scopes.workspace(PROJECT).store.keys("group-chats");
    expect(stored).toContain(`${created.body.id}.yaml`);

    const unknown = await t.request("POST", "/api/group-chats", { name: "x", members: ["nobody-here"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "members[0].member_id" },
    });
    const noCoordinator = await t.request("POST", "/api/group-chats", {
      name: "x",
      orchestration: { mode: "coordinator" },
    });
    expect(noCoordinator.status).toBe(400);
    expect(noCoordinator.body.error).toContain("orchestration.coordinator_agent_id");
    const badTurns = await t.request("POST", "/api/group-chats", { name: "x", limits: { max_turns: 0 } });
    expect(badTurns.status).toBe(400);
    const badId = await t.request("POST", "/api/group-chats", { name: "x", id: "../up" });
    expect(badId.status).toBe(400);
    const noName = await t.request("POST", "/api/group-chats", {});
    expect(noName.status).toBe(400);
    expect(noName.body.error).toContain("name");
  });
});

describe("sessions and orchestration", () => {
  it("round robin: each member answers in turn, seeing the conversation so far", async () => {
    const t = setup((r) => `${r.agent.id} here`);
    const { chatId, sessionId } = await chatWithSession(t, { members: ["CLAUDE_CODE", "CODEX"] });
    const stream = t.frames(chatId, sessionId);
    const sent = await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, {
      content: "Hello team",
      sender_id: "u1",
      sender_name: "Ann",
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({
      message: { type: "user", content: "Hello team" },
      agents_triggered: ["CLAUDE_CODE", "CODEX"],
    });
    await stream.complete;

    expect(t.started.map((r) => r.agent.id)).toEqual(["CLAUDE_CODE", "CODEX"]);
    expect(t.started[0]!.source).toBe("group_chat");
    expect(t.started[1]!.prompt).toContain("Ann (user): Hello team");
    expect(t.started[1]!.prompt).toContain("@CLAUDE_CODE: CLAUDE_CODE here");

    const page = await t.request("GET", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`);
    expect(page.body.messages.map((m: Loose) => [m.type, m.agent_id ?? m.sender_id, m.content])).toEqual([
      ["user", "u1", "Hello team"],
      ["agent_response", "CLAUDE_CODE", "CLAUDE_CODE here"],
      ["agent_response", "CODEX", "CODEX here"],
    ]);
    expect(page.body).toMatchObject({ view: "ui", has_more: false });
    const session = await t.request("GET", `/api/group-chats/${chatId}/sessions/${sessionId}`);
    expect(session.body).toMatchObject({
      turns: 2,
      cost_cents: 2,
      tokens: { input: 20, output: 10 },
      active: false,
    });
    expect(stream.seen.at(-1)).toMatchObject({
      type: "orchestration_complete",
      reason: "max_turns",
      turns: 2,
    });

    const agentView = await t.request(
      "GET",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages?view=agent&agent_id=CODEX`,
    );
    expect(agentView.body.messages.map((m: Loose) => m.role)).toEqual(["user", "user", "assistant"]);
    expect(
      (await t.request("GET", `/api/group-chats/${chatId}/sessions/${sessionId}/messages?view=agent`)).status,
    ).toBe(400);
  });

  it("lists each group-chat session in the chat list with its last message and unread count", async () => {
    const t = setup((r) => `${r.agent.id} here`);
    const { chatId, sessionId } = await chatWithSession(t, { members: ["CLAUDE_CODE", "CODEX"] });
    const stream = t.frames(chatId, sessionId);
    await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, { content: "Hi" });
    await stream.complete;
    const list = await t.request("GET", "/api/chat-list?type=group_chat&client_id=laptop");
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        id: `group_chat:${chatId}:${sessionId}`,
        kind: "group_chat",
        title: "Team: First",
        message_count: 3,
        unread_count: 3,
        last_message: expect.objectContaining({ role: "CODEX", preview: "CODEX here" }),
        metadata: expect.objectContaining({ group_chat_id: chatId, members: ["CLAUDE_CODE", "CODEX"] }),
      }),
    ]);
    const id = encodeURIComponent(`group_chat:${chatId}:${sessionId}`);
    expect((await t.request("POST", `/api/chat-list/${id}/read?client_id=laptop`, {})).status).toBe(200);
    const again = await t.request("GET", "/api/chat-list?type=group_chat&client_id=laptop");
    expect(again.body.items[0].unread_count).toBe(0);
  });

  it("mention routing: only the mentioned member answers, and a member's @mention hands over the turn", async () => {
    const t = setup((r) => (r.agent.id === "CLAUDE_CODE" ? "over to you @codex" : "done"));
    const { chatId, sessionId } = await chatWithSession(t, {
      members: ["CLAUDE_CODE", "CODEX", "GEMINI"],
      mode: "mention",
    });
    const stream = t.frames(chatId, sessionId);
    const sent = await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, {
      content: "@claude_code please start",
    });
    expect(sent.body.agents_triggered).toEqual(["CLAUDE_CODE"]);
    await stream.complete;
    expect(t.started.map((r) => r.agent.id)).toEqual(["CLAUDE_CODE", "CODEX"]);
    expect(stream.seen.at(-1)).toMatchObject({ reason: "no_mention", turns: 2 });
  });

  it("coordinator: picks who speaks from a loosely formatted answer and ends when the goal is met", async () => {
    let asked = 0;
    const t = setup((r) => {
      if (r.prompt.includes("You coordinate")) {
        asked += 1;
        return asked === 1
          ? 'Sure! ```json\n{"next_speaker": "@Codex", "instruction": "add the numbers"}\n```'
          : '{"done": true, "reason": "answered"}';
      }
      return "42";
    });
    const { chatId, sessionId } = await chatWithSession(t, {
      members: ["CLAUDE_CODE", { member_id: "CODEX", display_name: "Codex" }],
      orchestration: { mode: "coordinator", coordinator_agent_id: "CLAUDE_CODE", goal: "Sum 40 and 2" },
    });
    const stream = t.frames(chatId, sessionId);
    await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, { content: "go" });
    await stream.complete;
    expect(t.started.map((r) => r.agent.id)).toEqual(["CLAUDE_CODE", "CODEX", "CLAUDE_CODE"]);
    expect(t.started[1]!.prompt).toContain("The coordinator asks you:\nadd the numbers");
    const decisions = stream.seen.filter((f) => f.type === "coordinator_decision");
    expect(decisions.map((d) => [d.next, d.done])).toEqual([
      ["CODEX", false],
      [null, true],
    ]);
    expect(stream.seen.at(-1)).toMatchObject({ reason: "goal_met", turns: 1 });
    const session = await t.request("GET", `/api/group-chats/${chatId}/sessions/${sessionId}`);
    expect(session.body).toMatchObject({ turns: 1, cost_cents: 3 });
  });

  it("bounds turns and budget, and a stop ends the running member's run", async () => {
    const t = setup(
      () => "talking",
      (r) => r.agent.id === "CODEX",
    );
    const { chatId, sessionId } = await chatWithSession(t, {
      members: ["CLAUDE_CODE", "CODEX"],
      limits: { max_turns: 10 },
    });
    const stream = t.frames(chatId, sessionId);
    await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, { content: "go" });
    await expect.poll(() => t.live.size).toBe(1);
    const stopped = await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/stop`);
    expect(stopped.body).toEqual({ stopped: true, session_id: sessionId });
    await stream.complete;
    expect(stream.seen.at(-1)).toMatchObject({ reason: "stopped", turns: 2 });
    expect(t.live.size).toBe(0);

    const budget = setup(() => "costly");
    const b = await chatWithSession(budget, {
      members: ["CLAUDE_CODE", "CODEX"],
      limits: { max_turns: 10, budget_cents: 2 },
    });
    const bStream = budget.frames(b.chatId, b.sessionId);
    await budget.request("POST", `/api/group-chats/${b.chatId}/sessions/${b.sessionId}/messages`, {
      content: "go",
    });
    await bStream.complete;
    expect(budget.started).toHaveLength(2);
    expect(bStream.seen.at(-1)).toMatchObject({ reason: "budget_exceeded" });
  });

  it("a message sent while members talk is stored at once and the next turn is planned from it", async () => {
    let held = 0;
    const t = setup(
      (r) => `${r.agent.id} answers`,
      (r) => r.agent.id === "CODEX" && ++held === 1,
    );
    const { chatId, sessionId } = await chatWithSession(t, { members: ["CLAUDE_CODE", "CODEX"] });
    const stream = t.frames(chatId, sessionId);
    const path = `/api/group-chats/${chatId}/sessions/${sessionId}/messages`;
    await t.request("POST", path, { content: "first" });
    await expect.poll(() => t.released.size).toBe(1);
    const second = await t.request("POST", path, { content: "second thought" });
    expect(second.body).toMatchObject({ message: { content: "second thought" }, agents_triggered: [] });
    [...t.released.values()][0]!();
    await stream.complete;
    // CLAUDE_CODE, then the held CODEX turn, then a fresh round for the second message.
    expect(t.started.map((r) => r.agent.id)).toEqual(["CLAUDE_CODE", "CODEX", "CLAUDE_CODE", "CODEX"]);
    expect(t.started[2]!.prompt).toContain("user (user): second thought");
    expect(stream.seen.at(-1)).toMatchObject({ reason: "max_turns", turns: 2 });
  });

  it("answers 404 for unknown chats and sessions and 400 for an empty message", async () => {
    const t = setup(() => "ok");
    const { chatId, sessionId } = await chatWithSession(t, { members: ["CLAUDE_CODE"] });
    expect((await t.request("GET", "/api/group-chats/nope/sessions")).status).toBe(404);
    expect((await t.request("GET", `/api/group-chats/${chatId}/sessions/nope/messages`)).status).toBe(404);
    const empty = await t.request("POST", `/api/group-chats/${chatId}/sessions/${sessionId}/messages`, {
      content: " ",
    });
    expect(empty.status).toBe(400);
    expect(empty.body.error).toContain("content");
    const missing = await t.request("POST", `/api/group-chats/${chatId}/sessions/nope/messages`, {
      content: "hi",
    });
    expect(missing.status).toBe(404);
  });
});
