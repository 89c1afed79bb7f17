import { describe, expect, it } from "vitest";
import { parseCoordinatorDecision } from "../../../runtime/group-chats/coordinator.js";
import { mentionedMembers } from "../../../runtime/group-chats/mentions.js";
import { transcriptWithin } from "../../../runtime/group-chats/transcript.js";
import { isWebSocketPath } from "../../../runtime/node/upgrade-requests.js";
import type { GroupChatMessage } from "../../../storage/group-chat-sessions.js";
import type { GroupChatMember } from "../../../storage/group-chats.js";

const member = (id: string, name = id): GroupChatMember => ({
  id,
  member_type: "agent",
  member_id: id,
  display_name: name,
  role: "member",
  joined_at: "2026-01-01T00:00:00.000Z",
});
const members = [member("claude", "Claude"), member("codex", "Codex"), member("本地助手")];

describe("coordinator answers", () => {
  it.each([
    ['{"next": "codex", "instruction": "add"}', "codex"],
    ['Sure.\n```json\n{ "next_speaker": "@Codex" }\n```\nThanks', "codex"],
    ['{"speaker": "Claude", "done": "false"}', "claude"],
    ['I think {braces in prose} then {"agent": "本地助手"}', "本地助手"],
    ["NEXT: @codex because it knows", "codex"],
  ])("reads %j as the next speaker %s", (text, id) => {
    const decision = parseCoordinatorDecision(text, members);
    expect(decision && !decision.done ? decision.next.member_id : undefined).toBe(id);
  });

  it.each([
    ['{"done": true, "reason": "answered"}'],
    ['```\n{"goal_met": "yes"}\n```'],
    ["The goal is met. DONE"],
  ])("reads %j as done", (text) => {
    expect(parseCoordinatorDecision(text, members)).toMatchObject({ done: true });
  });

  it("answers undefined when the text names no member and does not say done", () => {
    expect(parseCoordinatorDecision('{"next": "gemini"}', members)).toBeUndefined();
    expect(parseCoordinatorDecision("let me think", members)).toBeUndefined();
  });
});

describe("mentions", () => {
  it("finds members by id or display name, in order, once each, never the author", () => {
    const found = mentionedMembers(
      "@codex and @Claude, then @codex again; @本地助手. mail a@b.c",
      members,
      "claude",
    );
    expect(found.map((m) => m.member_id)).toEqual(["codex", "本地助手"]);
  });
});

describe("transcripts", () => {
  const message = (i: number, content: string): GroupChatMessage => ({
    id: String(i),
    type: i % 2 === 0 ? "user" : "agent_response",
    timestamp: "t",
    content,
    ...(i % 2 === 0 ? { sender_name: "Ann" } : { agent_id: "codex" }),
  });

  it("keeps the newest messages within the budget and says older ones were left out", () => {
    const messages = Array.from({ length: 50 }, (_, i) => message(i, `message number ${i}`));
    const text = transcriptWithin(messages, 200);
    expect(text.length).toBeLessThanOrEqual(260);
    expect(text).toContain("@codex: message number 49");
    expect(text.startsWith("[earlier messages left out]")).toBe(true);
    expect(text).not.toContain("message number 1\n");
  });

  it("cuts an over-long newest message from its start, so its last words stay", () => {
    const text = transcriptWithin([message(0, `${"x".repeat(1000)} the end`)], 100);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text.endsWith("the end")).toBe(true);
  });
});

describe("WebSocket route matching", () => {
  const routes = ["/ws", "/api/group-chats/:id/sessions/:sid/ws"];
  it("matches a route's :name segments against any one non-empty segment", () => {
    expect(isWebSocketPath(routes, "/ws")).toBe(true);
    expect(isWebSocketPath(routes, "/api/group-chats/team/sessions/s1/ws")).toBe(true);
    expect(isWebSocketPath(routes, "/api/group-chats//sessions/s1/ws")).toBe(false);
    expect(isWebSocketPath(routes, "/api/group-chats/team/sessions/s1/ws/extra")).toBe(false);
    expect(isWebSocketPath(routes, "/api/group-chats/team/sessions/s1")).toBe(false);
  });
});
