import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

type Json = Record<string, unknown>;

function setup() {
  const t = createTestApp();
  const post = (path: string, body: unknown) => t.app.request(path, jsonRequest("POST", body));
  const add = async (body: Json) => {
    const res = await post("/api/channel-routes", body);
    expect(res.status, await res.clone().text()).toBe(201);
    return json(res);
  };
  const resolve = async (body: Json) => json(await post("/api/channel-routes/resolve", body));
  return { ...t, post, add, resolve };
}

describe("channel routes", () => {
  it("keeps rules in order, inserts at a position, and the first match wins", async () => {
    const { app, add, resolve } = setup();
    const broad = await add({ channel: "telegram-*", agent_id: "generalist" });
    const deploy = await add({ channel: "telegram-main", text_pattern: "^/deploy\\b", agent_id: "deployer" });
    // Ahead of the broad rule, or the broad rule would take every telegram message.
    await add({ channel: "telegram-main", chat_id: "42", agent_id: "team-bot", position: 0 });

    const listed = await json<{ routes: Json[] }>(await app.request("/api/channel-routes"));
    expect(listed.routes.map((r) => [r.index, r.agent_id])).toEqual([
      [0, "team-bot"],
      [1, "generalist"],
      [2, "deployer"],
    ]);

    expect(await resolve({ channel: "telegram-main", chat_id: "42", text: "hi" })).toMatchObject({
      matched: true,
      agent_id: "team-bot",
      index: 0,
    });
    // The deploy rule sits after the broad one, so the broad one answers until it is moved.
    expect(await resolve({ channel: "telegram-main", chat_id: "7", text: "/deploy now" })).toMatchObject({
      agent_id: "generalist",
      rule: { id: broad.id },
    });
    const del = await app.request("/api/channel-routes/1", { method: "DELETE" });
    expect(await json(del)).toMatchObject({ removed: true, route: { id: broad.id } });
    expect(await resolve({ channel: "telegram-main", chat_id: "7", text: "/deploy now" })).toMatchObject({
      agent_id: "deployer",
      rule: { id: deploy.id },
    });
    expect(await resolve({ channel: "telegram-main", chat_id: "7", text: "/deployment" })).toMatchObject({
      matched: false,
      agent_id: null,
      default: true,
    });
  });

  it("answers the default agent when no rule matches", async () => {
    const { scopes, add, resolve } = setup();
    await add({
      platform: "slack",
      sender_id: "U1",
      agent_id: "slacker",
      workspace_path: "/home/tester/project",
    });
    expect(await resolve({ channel: "ops", platform: "slack", sender_id: "U1" })).toMatchObject({
      matched: true,
      agent_id: "slacker",
      workspace_path: "/home/tester/project",
    });
    // The default agent as PUT /api/agent/default stores it.
    await scopes.global().store.write("config.yaml", { default_agent: "fallback" });
    const none = await resolve({ channel: "ops", platform: "slack", sender_id: "U2" });
    expect(none).toMatchObject({
      matched: false,
      agent_id: "fallback",
      agent: "fallback",
      default: true,
      rule: null,
    });
    expect(String(none.reason)).toContain("no rule matched");
  });

  it("honours OpenVesper's priority over list order", async () => {
    const { add, resolve } = setup();
    await add({ pattern: "telegram:*", agent: "low" });
    await add({ pattern: "telegram:123", agent: "high", priority: 5 });
    expect(await resolve({ channel: "telegram", identity: "123" })).toMatchObject({ agent: "high" });
    expect(await resolve({ channel: "telegram", identity: "9" })).toMatchObject({ agent: "low" });
  });

  it("refuses invalid, oversized and catastrophic text patterns with a 400 naming the field", async () => {
    const { post, app } = setup();
    for (const [pattern, wording] of [
      ["([a-z]", "not a valid regular expression"],
      ["x".repeat(257), "at most 256 characters"],
      ["(a+)+$", "nested quantifiers"],
      ["^(\\w+\\s?)*$", "nested quantifiers"],
    ] as const) {
      const res = await post("/api/channel-routes", { channel: "c", text_pattern: pattern, agent_id: "a" });
      expect(res.status).toBe(400);
      const body = await json(res);
      expect(body.code).toBe("VALIDATION_ERROR");
      expect(String(body.error)).toContain("text_pattern");
      expect(String(body.error)).toContain(wording);
    }
    const noAgent = await post("/api/channel-routes", { channel: "c" });
    expect(noAgent.status).toBe(400);
    expect(String((await json(noAgent)).error)).toContain("agent_id");
    const badPosition = await post("/api/channel-routes", { agent_id: "a", position: -1 });
    expect(badPosition.status).toBe(400);
    const resolveWithoutChannel = await post("/api/channel-routes/resolve", { sender_id: "x" });
    expect(resolveWithoutChannel.status).toBe(400);
    expect(String((await json(resolveWithoutChannel)).error)).toContain("channel");
    expect((await json<{ routes: unknown[] }>(await app.request("/api/channel-routes"))).routes).toEqual([]);
  });

  it("deletes by id (404 when unknown) and by index (removed: false past the end)", async () => {
    const { app, add } = setup();
    const a = await add({ channel: "a", agent_id: "x" });
    await add({ channel: "b", agent_id: "y" });
    expect(await json(await app.request(`/api/channel-routes/${a.id}`, { method: "DELETE" }))).toMatchObject({
      removed: true,
      route: { channel: "a" },
    });
    const missing = await app.request("/api/channel-routes/route-unknown", { method: "DELETE" });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toMatchObject({ code: "CHANNEL_ROUTE_NOT_FOUND" });
    expect(await json(await app.request("/channel-routes/5", { method: "DELETE" }))).toEqual({
      removed: false,
    });
    expect(await json(await app.request("/channel-routes/0", { method: "DELETE" }))).toMatchObject({
      removed: true,
    });
  });

  it("stores the rules in channel-routes.yaml, keeping what a user wrote by hand", async () => {
    const { scopes, add, resolve } = setup();
    const store = scopes.global().store;
    await store.writeRaw(
      "channel-routes.yaml",
      "# routes for the team\nowner: ops\nroutes:\n  - channel: support\n    agent_id: helper\n    note: hand-written\n",
    );
    await add({ channel: "sales", agent_id: "seller" });
    const text = (await store.readRaw("channel-routes.yaml")) ?? "";
    expect(text).toContain("# routes for the team");
    expect(text).toContain("owner: ops");
    expect(text).toContain("note: hand-written");
    expect(text).toContain("agent_id: seller");
    expect(await resolve({ channel: "support" })).toMatchObject({ agent_id: "helper", rule: { id: "0" } });
  });

  it("answers OpenVesper's shapes at the root paths", async () => {
    const { app, post } = setup();
    const added = await post("/channel-routes", { pattern: "telegram:*", agent: "defi", label: "all tg" });
    expect(added.status).toBe(200);
    expect(await json(added)).toMatchObject({ ok: true, agent: "defi" });
    const list = await json<Json[]>(await app.request("/channel-routes"));
    expect(list).toMatchObject([{ pattern: "telegram:*", agent: "defi", label: "all tg" }]);
    expect(
      await json(await post("/channel-routes/resolve", { channel: "telegram", identity: "5" })),
    ).toMatchObject({
      agent: "defi",
    });
  });

  it("lets viewers read and resolve, operators change", async () => {
    const env = { OPS: "ops-key-0123456789", VIEW: "view-key-0123456789" };
    const { app, scopes } = createTestApp({ env });
    await scopes.global().store.write("gateway.yaml", {
      api_keys: [
        { name: "o", key: "${OPS}", role: "operator" },
        { name: "v", key: "${VIEW}", role: "viewer" },
      ],
    });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const viewerAdd = await app.request(
      "/api/channel-routes",
      jsonRequest("POST", { agent_id: "a" }, as(env.VIEW)),
    );
    expect(viewerAdd.status).toBe(403);
    expect(
      (await app.request("/api/channel-routes", jsonRequest("POST", { agent_id: "a" }, as(env.OPS)))).status,
    ).toBe(201);
    expect((await app.request("/api/channel-routes", { headers: as(env.VIEW) })).status).toBe(200);
    const viewerResolve = jsonRequest("POST", { channel: "x" }, as(env.VIEW));
    expect((await app.request("/api/channel-routes/resolve", viewerResolve)).status).toBe(200);
  });
});
