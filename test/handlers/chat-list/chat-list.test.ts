import { describe, expect, it } from "vitest";
import { ChannelSessionMap } from "../../../storage/channel-outbox.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Json = Record<string, unknown>;
type Page = { items: Json[]; total: number; next_cursor: string | null; has_more: boolean; counts: Json };

/** The app over a clock the test moves by hand, so each session's activity has its own time. */
function setup() {
  let now = Date.parse("2026-03-01T10:00:00Z");
  const t = createTestApp({ now: () => new Date(now) });
  const tick = () => {
    now += 1000;
  };
  const session = async (
    id: string,
    messages: [string, string][] = [],
    agent = "helper",
    workspace = HOME,
  ) => {
    tick();
    await t.sessions.create({
      id,
      agent_id: agent,
      agent_source: workspace === HOME ? "global" : "workspace",
      workspace_path: workspace,
      workdir: workspace,
    });
    if (messages.length > 0) {
      tick();
      await t.sessions.appendMessages(
        id,
        messages.map(([role, content]) => ({ role: role as "user", content })),
      );
    }
  };
  const list = async (query = "", headers: Record<string, string> = {}) =>
    json<Page>(await t.app.request(`/api/chat-list${query}`, { headers }));
  return { ...t, tick, session, list };
}

describe("GET /api/chat-list", () => {
  it("lists sessions by last activity with title, preview and unread counts", async () => {
    const { session, list, sessions } = setup();
    await session("a", [["user", "first question"]]);
    await session("b", [
      ["user", "second   question"],
      ["assistant", "an answer\nover two lines"],
    ]);
    await session("c");
    const page = await list();
    expect(page.items.map((i) => i.id)).toEqual(["session:c", "session:b", "session:a"]);
    expect(page.items[1]).toMatchObject({
      kind: "session",
      item_type: "session",
      title: "second question",
      name: "second question",
      preview: "an answer over two lines",
      last_message: { role: "assistant", seq: 2 },
      message_count: 2,
      unread_count: 2,
      pinned: false,
      archived: false,
      session_id: "b",
      agent_id: "helper",
      is_global: true,
    });
    expect(page.items[0]).toMatchObject({ title: "helper session", preview: "", unread_count: 0 });
    expect(page).toMatchObject({ total: 3, has_more: false, next_cursor: null });
    expect(page.counts).toMatchObject({ sessions: 3, channels: 0, unread: 2, unread_messages: 3 });

    // New activity moves a session to the top; its preview follows.
    await sessions.appendMessages("a", [{ role: "assistant", content: "late reply" }]);
    const after = await list();
    expect(after.items[0]).toMatchObject({ id: "session:a", preview: "late reply", message_count: 2 });
  });

  it("keeps read markers per client (header or query) and counts only what came after", async () => {
    const { app, session, list, sessions } = setup();
    await session("a", [
      ["user", "q"],
      ["assistant", "r"],
    ]);
    const read = await app.request("/api/chat-list/session:a/read", {
      method: "POST",
      headers: { "x-client-id": "laptop" },
    });
    expect(read.status).toBe(200);
    expect(await json(read)).toMatchObject({ unread_count: 0, last_read_seq: 2 });
    expect((await list("", { "x-client-id": "laptop" })).items[0]).toMatchObject({ unread_count: 0 });
    expect((await list("?client_id=phone")).items[0]).toMatchObject({ unread_count: 2 });

    await sessions.appendMessages("a", [{ role: "assistant", content: "more" }]);
    expect((await list("?client_id=laptop")).items[0]).toMatchObject({ unread_count: 1, preview: "more" });

    // A marker at an earlier message, and dropping it.
    const partial = await app.request(
      "/api/chat-list/a/read?client_id=phone",
      jsonRequest("POST", { seq: 1 }),
    );
    expect(await json(partial)).toMatchObject({ unread_count: 2, last_read_seq: 1 });
    const beyond = await app.request(
      "/api/chat-list/a/read?client_id=phone",
      jsonRequest("POST", { seq: 9 }),
    );
    expect(beyond.status).toBe(400);
    expect(await json(beyond)).toMatchObject({ code: "VALIDATION_ERROR", details: { field: "seq" } });
    const unread = await app.request("/api/chat-list/a/read?client_id=phone", { method: "DELETE" });
    expect(await json(unread)).toMatchObject({ unread_count: 3, last_read_seq: null });

    // Mark everything read at once.
    const all = await app.request("/api/chat-list/read?client_id=phone", jsonRequest("POST", {}));
    expect(await json(all)).toMatchObject({ marked: 1 });
    expect((await list("?client_id=phone")).counts).toMatchObject({ unread: 0 });

    const bad = await app.request("/api/chat-list?client_id=a/b");
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ details: { field: "client_id" } });
  });

  it("pins to the top and archives out of the default list", async () => {
    const { app, session, list } = setup();
    await session("old", [["user", "old one"]]);
    await session("new", [["user", "new one"]]);
    const pin = await app.request("/api/chat-list/session:old", jsonRequest("PATCH", { pinned: true }));
    expect(pin.status).toBe(200);
    expect(await json(pin)).toMatchObject({ pinned: true, pinned_at: expect.any(String) });
    expect((await list()).items.map((i) => i.id)).toEqual(["session:old", "session:new"]);

    await app.request("/api/chat-list/session:new", jsonRequest("PATCH", { archived: true }));
    expect((await list()).items.map((i) => i.id)).toEqual(["session:old"]);
    expect((await list("?archived=only")).items.map((i) => i.id)).toEqual(["session:new"]);
    expect((await list("?archived=include")).total).toBe(2);
    expect((await list("?pinned=true")).items.map((i) => i.id)).toEqual(["session:old"]);

    await app.request("/api/chat-list/session:old", jsonRequest("PATCH", { pinned: false }));
    expect((await list("?archived=include")).items.map((i) => i.id)).toEqual(["session:new", "session:old"]);

    const empty = await app.request("/api/chat-list/session:old", jsonRequest("PATCH", {}));
    expect(empty.status).toBe(400);
    const missing = await app.request("/api/chat-list/session:nope", jsonRequest("PATCH", { pinned: true }));
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: "CHAT_NOT_FOUND" });
    const wrongType = await app.request(
      "/api/chat-list/session:old",
      jsonRequest("PATCH", { pinned: "yes" }),
    );
    expect(wrongType.status).toBe(400);
  });

  it("searches titles and previews, filters by workspace and kind", async () => {
    const { session, list } = setup();
    await session("deploy", [
      ["user", "How do I deploy?"],
      ["assistant", "Use the Kubernetes chart"],
    ]);
    await session("lunch", [["user", "Lunch ideas"]]);
    await session("proj", [["user", "project work"]], "coder", PROJECT);
    expect((await list("?q=kubernetes")).items.map((i) => i.id)).toEqual(["session:deploy"]);
    expect((await list("?search=LUNCH%20ideas")).items.map((i) => i.id)).toEqual(["session:lunch"]);
    expect((await list("?q=nothing-like-this")).total).toBe(0);
    const ws = await list(`?workspace_path=${encodeURIComponent(PROJECT)}&include_global=false`);
    expect(ws.items.map((i) => i.id)).toEqual(["session:proj"]);
    expect((await list(`?workspace_path=${encodeURIComponent(PROJECT)}`)).total).toBe(3);
    expect((await list("?type=channel")).total).toBe(0);
  });

  it("pages with offset and limit, and with a cursor that stays right as items move", async () => {
    const { session, list, sessions } = setup();
    for (let i = 0; i < 7; i++) await session(`s${i}`, [["user", `message ${i}`]]);
    const first = await list("?limit=3");
    expect(first.items.map((i) => i.id)).toEqual(["session:s6", "session:s5", "session:s4"]);
    expect(first).toMatchObject({ total: 7, has_more: true });
    expect((await list("?limit=3&offset=3")).items.map((i) => i.id)).toEqual([
      "session:s3",
      "session:s2",
      "session:s1",
    ]);
    // s0 gets new activity between pages: the cursor page continues after s4 all the same.
    await sessions.appendMessages("s0", [{ role: "assistant", content: "bump" }]);
    const second = await list(`?limit=3&cursor=${first.next_cursor}`);
    expect(second.items.map((i) => i.id)).toEqual(["session:s3", "session:s2", "session:s1"]);
    // s0 moved above the cursor: this page is the last one, and a fresh first page starts with it.
    expect(second).toMatchObject({ has_more: false, next_cursor: null });
    expect((await list("?limit=1")).items.map((i) => i.id)).toEqual(["session:s0"]);

    const { app } = setup();
    for (const bad of [
      "cursor=!!",
      "cursor=WzEsMiwzXQ",
      "limit=0",
      "limit=5000",
      "offset=-1",
      "archived=maybe",
      "pinned=2",
    ]) {
      const r = await app.request(`/api/chat-list?${bad}`);
      expect(r.status, bad).toBe(400);
    }
  });

  it("shows an inbound channel conversation once, as a channel item", async () => {
    const { session, list, scopes } = setup();
    await session("chan-session", [
      ["user", "hi from telegram"],
      ["assistant", "hello!"],
    ]);
    await session("plain", [["user", "plain one"]]);
    await new ChannelSessionMap(scopes.global()).set(["tg-main", "42", "", "7"], "chan-session");
    const page = await list();
    expect(page.items.map((i) => i.kind)).toEqual(["session", "channel"]);
    expect(page.items[1]).toMatchObject({
      id: expect.stringMatching(/^channel:[0-9a-f]{64}$/),
      title: "hi from telegram",
      preview: "hello!",
      session_id: "chan-session",
      metadata: { channel: "tg-main", chat_id: "42", sender_id: "7" },
    });
    expect(page.counts).toMatchObject({ sessions: 1, channels: 1 });
    expect((await list("?type=channel")).total).toBe(1);
  });
});
