import { describe, expect, it } from "vitest";
import { WORKSPACES_KEY, WorkspaceRegistry } from "../../../storage/workspaces.js";
import { createTestApp, HOME, json, jsonRequest } from "../../helpers/app.js";

type Json = Record<string, unknown>;

const OUTSIDE = "/srv/shop";

function setup() {
  const t = createTestApp({ directories: [OUTSIDE, `${OUTSIDE}/api`, "/proc"] });
  const register = (body: unknown, path = "/api/workspaces") =>
    t.app.request(path, jsonRequest("POST", body));
  return { ...t, register };
}

describe("/api/workspaces", () => {
  it("registers, lists with activity, shows env redacted and removes", async () => {
    const { app, register, sessions, scopes } = setup();
    const created = await register({
      name: "shop",
      path: `${OUTSIDE}/`,
      env: { TOKEN: "s3cret", REF: "${SHOP_KEY}" },
    });
    expect(created.status).toBe(201);
    expect(await json(created)).toMatchObject({
      id: "shop",
      name: "shop",
      path: OUTSIDE,
      type: "custom",
      env: { TOKEN: "***", REF: "${SHOP_KEY}" },
      config_path: `${OUTSIDE}/.viben`,
      last_activity: null,
      session_count: 0,
    });
    // Stored as written (the secret stays on disk only).
    const stored = (await scopes.global().store.read(WORKSPACES_KEY))?.data as Json;
    expect(stored).toMatchObject({ workspaces: { shop: { path: OUTSIDE, env: { TOKEN: "s3cret" } } } });

    await sessions.create({
      id: "s1",
      agent_id: "CLAUDE_CODE",
      agent_source: "global",
      workspace_path: HOME,
      workdir: `${OUTSIDE}/api`,
    });
    const list = await json<{ workspaces: Json[]; total: number }>(await app.request("/api/workspaces"));
    expect(list.total).toBe(2);
    expect(list.workspaces[0]).toMatchObject({ id: "global", type: "global", path: HOME, session_count: 1 });
    expect(list.workspaces[1]).toMatchObject({
      id: "shop",
      session_count: 1,
      last_activity: expect.any(String),
    });

    expect(await json(await app.request("/api/workspaces/shop/env"))).toEqual({
      name: "shop",
      env: { TOKEN: "***", REF: "${SHOP_KEY}" },
    });
    expect(await json(await app.request("/api/workspaces/shop"))).toMatchObject({ path: OUTSIDE });

    const removed = await app.request("/api/workspaces/shop", { method: "DELETE" });
    expect(await json(removed)).toMatchObject({ success: true, removed: true, path: OUTSIDE });
    const gone = await app.request("/api/workspaces/shop");
    expect(gone.status).toBe(404);
    expect(await json(gone)).toMatchObject({ code: "WORKSPACE_NOT_FOUND" });
    expect((await app.request("/api/workspaces/shop", { method: "DELETE" })).status).toBe(404);
    expect((await app.request("/api/workspaces/global", { method: "DELETE" })).status).toBe(409);
  });

  it("changes a workspace's path and environment; a redacted value keeps its secret", async () => {
    const { app, register, scopes } = setup();
    await register({ name: "shop", path: OUTSIDE, env: { TOKEN: "s3cret", OLD: "x" } });
    const patch = (body: unknown, name = "shop") =>
      app.request(`/api/workspaces/${name}`, jsonRequest("PATCH", body));
    const changed = await patch({ path: `${OUTSIDE}/api`, env: { TOKEN: "***", NEW: "${NEW_KEY}" } });
    expect(changed.status).toBe(200);
    expect(await json(changed)).toMatchObject({ name: "shop", path: `${OUTSIDE}/api` });
    expect(await json(await app.request("/api/workspaces/shop/env"))).toEqual({
      name: "shop",
      env: { TOKEN: "***", NEW: "${NEW_KEY}" },
    });
    // The secret itself is still what was registered: a run in the workspace gets it.
    expect((await new WorkspaceRegistry(scopes.global()).get("shop")).env.TOKEN).toBe("s3cret");
    expect((await patch({ path: "/nope" })).status).toBe(400);
    expect((await patch({ name: "other" })).status).toBe(400);
    expect((await patch({ env: {} }, "missing")).status).toBe(404);
    expect((await patch({ env: {} }, "global")).status).toBe(409);
  });

  it("refuses bad registrations with a 4xx naming the field", async () => {
    const { register } = setup();
    const cases: [unknown, number, string, string?][] = [
      [{ path: OUTSIDE }, 400, "VALIDATION_ERROR", "name"],
      [{ name: "a/b", path: OUTSIDE }, 400, "VALIDATION_ERROR", "name"],
      [{ name: "x" }, 400, "VALIDATION_ERROR", "path"],
      [{ name: "x", path: "relative/dir" }, 400, "INVALID_WORKSPACE_PATH", "path"],
      [{ name: "x", path: "/" }, 400, "INVALID_WORKSPACE_PATH", "path"],
      [{ name: "x", path: "/nope" }, 400, "WORKSPACE_NOT_FOUND", "path"],
      [{ name: "x", path: "/proc" }, 400, "UNSUPPORTED_FILESYSTEM", "path"],
      [{ name: "x", path: OUTSIDE, env: { "BAD-NAME": "v" } }, 400, "VALIDATION_ERROR", "env.BAD-NAME"],
      [{ name: "x", path: OUTSIDE, env: { A: 1 } }, 400, "VALIDATION_ERROR"],
      [{ name: "global", path: OUTSIDE }, 409, "WORKSPACE_EXISTS"],
    ];
    for (const [body, status, code, field] of cases) {
      const r = await register(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      const answer = await json(r);
      expect(answer.code, JSON.stringify(body)).toBe(code);
      // Schema failures name the field in the message, rule failures in details.field as well.
      if (field) expect(String(answer.error), JSON.stringify(body)).toContain(field);
    }
    expect((await register({ name: "x", path: OUTSIDE })).status).toBe(201);
    const again = await register({ name: "x", path: OUTSIDE });
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: "WORKSPACE_EXISTS" });
  });

  it("widens the roots to a registered path, accepts its name as workspace_path, and narrows again", async () => {
    const { app, register } = setup();
    const agentsIn = (ws: string) => app.request(`/api/agent?workspace_path=${encodeURIComponent(ws)}`);
    const refused = await agentsIn(OUTSIDE);
    expect(refused.status).toBe(400);
    expect(await json(refused)).toMatchObject({ code: "WORKSPACE_NOT_ALLOWED" });

    await register({ name: "shop", path: OUTSIDE });
    expect((await agentsIn(OUTSIDE)).status).toBe(200);
    expect((await agentsIn(`${OUTSIDE}/api`)).status).toBe(200);
    const byName = await agentsIn("shop");
    expect(byName.status).toBe(200);
    expect(await json(await app.request("/api/chat-list?workspace_path=shop"))).toMatchObject({
      workspace_path: OUTSIDE,
    });

    await app.request("/api/workspaces/shop", { method: "DELETE" });
    const narrowed = await agentsIn(OUTSIDE);
    expect(narrowed.status).toBe(400);
    expect(await json(narrowed)).toMatchObject({ code: "WORKSPACE_NOT_ALLOWED" });
    expect((await agentsIn("shop")).status).toBe(400);
  });

  it("answers OpenVesper's spellings at /workspaces", async () => {
    const { app, register } = setup();
    const created = await register({ name: "shop", path: OUTSIDE, env: { KEY: "v" } }, "/workspaces");
    expect(created.status).toBe(200);
    expect(await json(created)).toMatchObject({ name: "shop", path: OUTSIDE });
    expect(await json(await app.request("/workspaces"))).toMatchObject([{ name: "shop" }]);
    expect(await json(await app.request("/workspaces/shop/env"))).toEqual({ KEY: "***" });
    expect((await app.request("/workspaces/none/env")).status).toBe(404);
    expect(await json(await app.request("/workspaces/shop", { method: "DELETE" }))).toEqual({
      removed: true,
    });
    expect(await json(await app.request("/workspaces/shop", { method: "DELETE" }))).toEqual({
      removed: false,
    });
  });

  it("is admin-only for registration when API keys are configured", async () => {
    const { app, scopes } = setup();
    await scopes.global().store.write("gateway.yaml", {
      api_keys: [
        { name: "op", key: "op-key-123456", role: "operator" },
        { name: "admin", key: "admin-key-123456", role: "admin" },
      ],
    });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    const body = { name: "shop", path: OUTSIDE };
    const byOperator = await app.request("/api/workspaces", jsonRequest("POST", body, as("op-key-123456")));
    expect(byOperator.status).toBe(403);
    expect((await app.request("/api/workspaces", { headers: as("op-key-123456") })).status).toBe(200);
    const byAdmin = await app.request("/api/workspaces", jsonRequest("POST", body, as("admin-key-123456")));
    expect(byAdmin.status).toBe(201);
    const del = await app.request("/workspaces/shop", { method: "DELETE", headers: as("op-key-123456") });
    expect(del.status).toBe(403);
  });
});
