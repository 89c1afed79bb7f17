/*
 * Follows the original Viben desktop's group chat module, LinXueyuanStdio/viben
 * apps/desktop/src/lib/gateway/modules/group-chat.ts (with its types in types/group-chat.ts), and the server
 * it calls, packages/core/src/gateway/routes/group-chats.ts (and its group-chats.test.ts): the same requests
 * and the fields the client reads. Where the desktop expects a bare array from the list calls, the server
 * answers `{group_chats}` / `{sessions}`; this gateway answers as the server does. Drives a real gateway; the
 * agent member is the real Claude Code CLI against the local Anthropic stub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openWs } from "../helpers/clients.js";

describe("group chats as the Viben desktop calls them", () => {
  let env: ClaudeGateway;
  async function call(method: string, path: string, body?: unknown): Promise<[number, Json]> {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json", accept: "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  }

  beforeAll(async () => {
    env = await startClaudeGateway(() => ({ text: "Hi from the group's Claude." }));
  });
  afterAll(async () => {
    await env?.close();
  });

  let chatId: string;
  let sessionId: string;

  it("createGroupChat: {name, workspace_path, created_by, members} → GroupChatWithMembers", async () => {
    const [status, body] = await call("POST", "/api/group-chats", {
      name: "Desk team",
      description: "From the desktop",
      workspace_path: env.workdir,
      created_by: "desktop-user",
      members: [
        { type: "agent", member_id: "claude", display_name: "Claude", model: "claude-sonnet-4-5" },
        { type: "human", member_id: "desktop-user", display_name: "Me", role: "owner" },
      ],
    });
    expect(status).toBe(201);
    const chat = body.group_chat as Json;
    chatId = chat.id as string;
    expect(chat).toMatchObject({
      name: "Desk team",
      description: "From the desktop",
      created_by: "desktop-user",
      workspace_path: env.workdir,
      is_global: false,
      settings: { broadcast_mode: "all", show_thinking: false, history_limit: 10 },
    });
    expect(typeof chat.created_at).toBe("string");
    expect(body.members).toEqual([
      expect.objectContaining({
        member_type: "agent",
        member_id: "claude",
        display_name: "Claude",
        role: "member",
      }),
      expect.objectContaining({ member_type: "human", member_id: "desktop-user", role: "owner" }),
    ]);
  });

  it("getGroupChat, updateGroupChat (PATCH → GroupChat), addMember and removeMember", async () => {
    const ws = `?workspace_path=${encodeURIComponent(env.workdir)}`;
    const [, got] = await call("GET", `/api/group-chats/${encodeURIComponent(chatId)}${ws}`);
    expect((got.group_chat as Json).id).toBe(chatId);
    expect(got.members).toHaveLength(2);
    const [, updated] = await call("PATCH", `/api/group-chats/${chatId}${ws}`, { name: "Desk team 2" });
    expect(updated.name).toBe("Desk team 2");
    const [added, member] = await call("POST", `/api/group-chats/${chatId}/members${ws}`, {
      type: "human",
      member_id: "guest",
      display_name: "Guest",
    });
    expect(added).toBe(201);
    expect(member).toMatchObject({ member_id: "guest", display_name: "Guest", member_type: "human" });
    const [removed] = await call("DELETE", `/api/group-chats/${chatId}/members/${member.id}${ws}`);
    expect(removed).toBe(200);
    const [, listed] = await call("GET", `/api/group-chats${ws}&include_global=true`);
    expect((listed.group_chats as Json[]).map((c) => c.id)).toContain(chatId);
  });

  it("createGroupChatSession, sendGroupChatMessage → {message, agents_triggered}, listGroupChatMessages", async () => {
    const ws = `?workspace_path=${encodeURIComponent(env.workdir)}`;
    const [created, session] = await call("POST", `/api/group-chats/${chatId}/sessions${ws}`, {
      title: "Kick-off",
      active_agents: ["claude"],
    });
    expect(created).toBe(201);
    expect(session).toMatchObject({
      group_chat_id: chatId,
      title: "Kick-off",
      status: "active",
      active_agents: ["claude"],
    });
    sessionId = session.id as string;

    // The desktop has no socket of its own for this; the session's socket tells when Claude has answered.
    const socket = await openWs(
      `${env.gw.url.replace("http", "ws")}/api/group-chats/${chatId}/sessions/${sessionId}/ws${ws}`,
    );
    await socket.waitFor((f) => f.type === "connected");
    const [sent, answer] = await call(
      "POST",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages${ws}`,
      {
        content: "Hello everyone",
        sender_id: "desktop-user",
        sender_name: "Me",
      },
    );
    expect(sent).toBe(200);
    expect(answer.message).toMatchObject({
      type: "user",
      content: "Hello everyone",
      sender_id: "desktop-user",
      sender_name: "Me",
    });
    expect(answer.agents_triggered).toEqual(["claude"]);
    await socket.waitFor((f) => f.type === "orchestration_complete", 90_000);
    await socket.close();

    const [, page] = await call(
      "GET",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages${ws}&view=ui&limit=50`,
    );
    expect(page).toMatchObject({ view: "ui", has_more: false });
    expect((page.messages as Json[]).map((m) => [m.type, m.content])).toEqual([
      ["user", "Hello everyone"],
      ["agent_response", "Hi from the group's Claude."],
    ]);
    const [, agentPage] = await call(
      "GET",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages${ws}&view=agent&agent_id=claude`,
    );
    expect(agentPage).toMatchObject({ view: "agent", agent_id: "claude", has_more: false });
    expect((agentPage.messages as Json[]).map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("archiveGroupChatSession, then deleteGroupChat", async () => {
    const ws = `?workspace_path=${encodeURIComponent(env.workdir)}`;
    const [archived, session] = await call(
      "POST",
      `/api/group-chats/${chatId}/sessions/${sessionId}/archive${ws}`,
    );
    expect(archived).toBe(200);
    expect(session.status).toBe("archived");
    const [refused, error] = await call(
      "POST",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages${ws}`,
      {
        content: "anyone?",
        sender_id: "desktop-user",
        sender_name: "Me",
      },
    );
    expect(refused).toBe(409);
    expect(error.code).toBe("GROUP_CHAT_SESSION_ARCHIVED");
    const [deleted, body] = await call("DELETE", `/api/group-chats/${chatId}${ws}`);
    expect(deleted).toBe(200);
    expect(body).toEqual({ deleted: chatId });
    const [missing] = await call("GET", `/api/group-chats/${chatId}${ws}`);
    expect(missing).toBe(404);
  });
});
