import { describe, expect, it } from "vitest";
import type { InboundMessage } from "../../../handlers/capabilities/channel-gate.js";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

type Json = Record<string, unknown>;

/** The app over a clock the test moves by hand. */
function setup(env: Record<string, string> = {}) {
  let now = Date.parse("2026-03-01T10:00:00Z");
  const t = createTestApp({ env, now: () => new Date(now) });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.request(path, jsonRequest("POST", body, headers));
  const gate = async (identity: string, policy?: string) =>
    json(await post("/pairing/gate", { channel: "telegram", identity, ...(policy ? { policy } : {}) }));
  const advance = (ms: number) => {
    now += ms;
  };
  return { ...t, post, gate, advance };
}

const message = (senderId: string, text = "hello", channel = "telegram-main"): InboundMessage => ({
  channel,
  platform: "telegram",
  chatId: `chat-${senderId}`,
  senderId,
  text,
});

describe("pairing", () => {
  it("gives an unknown sender one code, lets an operator approve it, then passes the sender", async () => {
    const { app, post, gate } = setup();
    const first = await gate("1001", "pairing");
    expect(first).toMatchObject({ action: "reply-with-code", firstTime: true, policy: "pairing" });
    expect(String(first.code)).toMatch(/^\d{6}$/);
    // Asking again gives the same code, not a new one.
    expect(await gate("1001", "pairing")).toMatchObject({ code: first.code, firstTime: false });

    const pending = await json<Json[]>(await app.request("/pairing/pending"));
    expect(pending).toMatchObject([{ key: "telegram:1001", state: "pending", code: first.code }]);
    expect(
      (await json<{ entries: Json[] }>(await app.request("/api/pairing/pending?channel=slack"))).entries,
    ).toEqual([]);

    const wrong = await post("/pairing/approve", {
      channel: "telegram",
      code: "000000" === first.code ? "1" : "000000",
    });
    expect(wrong.status).toBe(404);
    expect(await json(wrong)).toMatchObject({ code: "PAIRING_CODE_NOT_FOUND" });
    const approved = await post("/pairing/approve", { channel: "telegram", code: first.code });
    expect(approved.status).toBe(200);
    const entry = await json(approved);
    expect(entry).toMatchObject({ identity: "1001", state: "approved" });
    expect(entry).not.toHaveProperty("code");

    expect(await gate("1001", "pairing")).toMatchObject({ action: "process" });
    expect(await json<Json[]>(await app.request("/pairing/pending"))).toEqual([]);
    expect(await json<Json[]>(await app.request("/pairing/approved"))).toMatchObject([{ identity: "1001" }]);
    // The same code cannot be used twice.
    expect((await post("/pairing/approve-code", { channel: "telegram", code: first.code })).status).toBe(404);
  });

  it("expires a code: it can no longer be approved and the sender gets a new one", async () => {
    const { post, gate, advance, app } = setup();
    const first = await gate("2002", "pairing");
    advance(59 * 60 * 1000);
    expect(await gate("2002", "pairing")).toMatchObject({ code: first.code, firstTime: false });
    advance(60 * 1000);
    expect(await json<Json[]>(await app.request("/pairing/pending"))).toEqual([]);
    expect((await post("/pairing/approve", { channel: "telegram", code: first.code })).status).toBe(404);
    const second = await gate("2002", "pairing");
    expect(second).toMatchObject({ action: "reply-with-code", firstTime: true });
    expect((await post("/pairing/approve", { channel: "telegram", code: second.code })).status).toBe(200);
  });

  it("drops denied senders, rejects unknown ones on closed channels, and starts over after a revoke", async () => {
    const { post, gate } = setup();
    await gate("3003", "pairing");
    expect(await json(await post("/pairing/deny", { channel: "telegram", identity: "3003" }))).toMatchObject({
      state: "denied",
    });
    expect(await gate("3003", "pairing")).toMatchObject({ action: "drop" });
    expect(await gate("4004", "closed")).toMatchObject({ action: "reject" });
    expect(await gate("4004", "open")).toMatchObject({ action: "process" });
    expect(await json(await post("/pairing/revoke", { channel: "telegram", identity: "3003" }))).toEqual({
      removed: true,
    });
    expect(await gate("3003", "pairing")).toMatchObject({ action: "reply-with-code", firstTime: true });
    expect(await json(await post("/pairing/revoke", { channel: "telegram", identity: "nobody" }))).toEqual({
      removed: false,
    });
    const approved = await post("/api/pairing/approve", { channel: "telegram", identity: "5005" });
    expect(await json(approved)).toMatchObject({ state: "approved" });
    expect(await gate("5005", "closed")).toMatchObject({ action: "process" });
  });

  it("refuses bodies without a channel or sender with a 400 naming the field", async () => {
    const { post } = setup();
    const noChannel = await post("/pairing/gate", { identity: "1" });
    expect(noChannel.status).toBe(400);
    expect(String((await json(noChannel)).error)).toContain("channel");
    const noIdentity = await post("/pairing/deny", { channel: "telegram" });
    expect(noIdentity.status).toBe(400);
    expect(String((await json(noIdentity)).error)).toContain("identity");
    expect((await post("/pairing/gate", { channel: "t", identity: "1", policy: "sometimes" })).status).toBe(
      400,
    );
  });

  it("needs the operator role to approve", async () => {
    const env = { OPS: "ops-key-0123456789", VIEW: "view-key-0123456789" };
    const { scopes, post } = setup(env);
    await scopes.global().store.write("gateway.yaml", {
      api_keys: [
        { name: "o", key: "${OPS}", role: "operator" },
        { name: "v", key: "${VIEW}", role: "viewer" },
      ],
    });
    const code = (
      await json(
        await post(
          "/pairing/gate",
          { channel: "telegram", identity: "9", policy: "pairing" },
          { authorization: `Bearer ${env.OPS}` },
        ),
      )
    ).code;
    const viewer = await post(
      "/pairing/approve",
      { channel: "telegram", code },
      { authorization: `Bearer ${env.VIEW}` },
    );
    expect(viewer.status).toBe(403);
    const operator = await post(
      "/pairing/approve",
      { channel: "telegram", code },
      { authorization: `Bearer ${env.OPS}` },
    );
    expect(operator.status).toBe(200);
  });

  it("survives a restart: pairings live in pairing.yaml", async () => {
    const { scopes, gate } = setup();
    const first = await gate("6006", "pairing");
    const text = (await scopes.global().store.readRaw("pairing.yaml")) ?? "";
    expect(text).toContain('identity: "6006"');
    expect(text).toContain(`code: "${first.code}"`);
  });
});

describe("the channel gate (services.channelGate)", () => {
  it("routes by channel routes when pairing is off (the default)", async () => {
    const { app, post } = setup();
    await post("/api/channel-routes", {
      channel: "telegram-main",
      text_pattern: "^/ops",
      agent_id: "ops-bot",
    });
    const gate = app.services.channelGate;
    expect(await gate.decide(message("1", "/ops restart"))).toEqual({
      action: "route",
      agentId: "ops-bot",
      rule: expect.stringMatching(/^route-/),
    });
    expect(await gate.decide(message("1", "hello"), "fallback-agent")).toEqual({
      action: "route",
      agentId: "fallback-agent",
    });
    expect(await gate.decide(message("1", "hello"))).toMatchObject({ action: "deny" });
  });

  it("holds unknown senders at the pairing gate until approved (gateway.yaml pairing:)", async () => {
    const { app, scopes, post, advance } = setup();
    await scopes.global().store.write("gateway.yaml", {
      pairing: {
        platforms: { telegram: "pairing" },
        channels: { "telegram-open": "open" },
        code_ttl_seconds: 600,
      },
    });
    const gate = app.services.channelGate;
    const held = await gate.decide(message("77"), "helper");
    expect(held.action).toBe("pairing");
    const code = /code: (\d{6})/.exec((held as { reply: string }).reply)?.[1];
    expect(code).toBeDefined();
    expect(await gate.decide(message("77", "hi", "telegram-open"), "helper")).toMatchObject({
      action: "route",
    });

    const pending = await json<{ entries: Json[] }>(await app.request("/api/pairing/pending"));
    expect(pending.entries).toMatchObject([{ channel: "telegram-main", identity: "77", code }]);
    advance(601 * 1000);
    expect((await post("/api/pairing/approve", { channel: "telegram-main", code })).status).toBe(404);
    const again = await gate.decide(message("77"), "helper");
    const fresh = /code: (\d{6})/.exec((again as { reply: string }).reply)?.[1];
    expect((await post("/api/pairing/approve", { channel: "telegram-main", code: fresh })).status).toBe(200);
    expect(await gate.decide(message("77"), "helper")).toEqual({ action: "route", agentId: "helper" });
  });

  it("checks access rules before pairing and again once the agent is known", async () => {
    const { app, post, scopes } = setup();
    await scopes.global().store.write("gateway.yaml", { pairing: { policy: "pairing" } });
    await post("/api/access", { effect: "deny", sender_id: "spammer", label: "spam" });
    await post("/api/access", { effect: "deny", agent_id: "deployer", channel: "telegram-*" });
    await post("/api/pairing/approve", { channel: "telegram-main", identity: "friend" });
    await post("/api/channel-routes", { text_pattern: "^/deploy", agent_id: "deployer" });
    const gate = app.services.channelGate;

    // A denied sender gets no pairing code.
    expect(await gate.decide(message("spammer"), "helper")).toMatchObject({
      action: "deny",
      reason: "denied by rule 'spam'",
    });
    expect(await json<Json[]>(await app.request("/pairing/pending"))).toEqual([]);
    expect(await gate.decide(message("friend", "/deploy"), "helper")).toMatchObject({
      action: "deny",
      rule: expect.stringMatching(/^access-/),
    });
    expect(await gate.decide(message("friend", "hi"), "helper")).toEqual({
      action: "route",
      agentId: "helper",
    });
  });
});
