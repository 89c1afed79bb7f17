import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest, recordingLogger } from "../helpers/app.js";

const KEYS = {
  ADMIN_KEY: "admin-secret-0123456789",
  OP_KEY: "operator-secret-0123456789",
  VIEW_KEY: "viewer-secret-0123456789",
};

async function withKeys(extra = "") {
  const recorder = recordingLogger();
  const ctx = createTestApp({ env: KEYS, logger: recorder.logger });
  await ctx.scopes
    .global()
    .store.writeRaw(
      "gateway.yaml",
      [
        "api_keys:",
        "  - { name: root, key: '${ADMIN_KEY}', role: admin }",
        "  - { name: ops, key: '${OP_KEY}', role: operator }",
        "  - { name: dash, key: '${VIEW_KEY}', role: viewer }",
        "  - { name: unset, key: '${NOT_SET}', role: admin }",
        extra,
      ].join("\n"),
    );
  return { ...ctx, ...recorder };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("API keys and roles", () => {
  it("keeps /health public", async () => {
    const { app } = await withKeys();
    const res = await app.request("/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "ok", runtime: "node", version: "0.0.0-test" });
  });

  it("refuses missing, malformed and unknown keys with 401", async () => {
    const { app } = await withKeys();
    for (const headers of [{}, { authorization: "Basic abc" }, bearer("wrong"), bearer("")]) {
      const res = await app.request("/api/agent", { headers });
      expect(res.status).toBe(401);
      expect((await json(res)).code).toBe("UNAUTHORIZED");
    }
  });

  it("never accepts a key in the query string of a plain request, whatever its spelling", async () => {
    const spellings = [
      "token",
      "TOKEN",
      "Token",
      "token[]",
      "token[0]",
      "api_key",
      "Api-Key",
      "access_token",
    ];
    for (const param of spellings) {
      // A fresh app for each spelling: every refusal counts against the failed-attempt limit.
      const { app } = await withKeys();
      for (const headers of [{}, bearer(KEYS.ADMIN_KEY)]) {
        const query = `${encodeURIComponent(param)}=${KEYS.ADMIN_KEY}`;
        const res = await app.request(`/api/agent?${query}`, { headers });
        expect(res.status, param).toBe(400);
        expect(await json(res)).toMatchObject({ code: "TOKEN_IN_QUERY", details: { param } });
      }
    }
  });

  it("accepts ?token= on a WebSocket upgrade only, and refuses its other spellings there too", async () => {
    const { app } = await withKeys();
    const upgrade = { upgrade: "websocket" };
    // Not a real upgrade here (app.request has no socket): past authentication the route answers 501/426.
    const ok = await app.request(`/ws?token=${KEYS.VIEW_KEY}`, { headers: upgrade });
    expect([400, 401, 403, 429]).not.toContain(ok.status);
    const upper = await app.request(`/ws?TOKEN=${KEYS.VIEW_KEY}`, { headers: upgrade });
    expect(upper.status).toBe(400);
  });

  it("limits failed API key attempts per address: 10 a minute, then 429 with Retry-After, even for a valid key", async () => {
    let now = new Date("2026-06-01T00:00:00Z");
    const ctx = createTestApp({ env: KEYS, remoteAddress: "203.0.113.9", now: () => now });
    await ctx.scopes
      .global()
      .store.writeRaw("gateway.yaml", "api_keys:\n  - { name: root, key: '${ADMIN_KEY}', role: admin }\n");
    // A request without any key guesses nothing and is not counted.
    for (let i = 0; i < 12; i++) expect((await ctx.app.request("/api/agent")).status).toBe(401);
    for (let i = 0; i < 9; i++)
      expect((await ctx.app.request("/api/agent", { headers: bearer(`guess-${i}`) })).status).toBe(401);
    // A key in the query string counts as a failed attempt too (the tenth).
    expect((await ctx.app.request(`/api/agent?token=guess`)).status).toBe(400);
    const limited = await ctx.app.request("/api/agent", { headers: bearer(KEYS.ADMIN_KEY) });
    expect(limited.status).toBe(429);
    expect(await json(limited)).toMatchObject({ code: "TOO_MANY_FAILED_ATTEMPTS" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The limit is per address and shared with hook tokens: the webhook route is closed to it too.
    const hook = await ctx.app.request(
      "/api/hooks/wake",
      jsonRequest("POST", { prompt: "x" }, bearer(KEYS.ADMIN_KEY)),
    );
    expect(hook.status).toBe(429);
    // Time moves on (the app's clock): the window has passed and the valid key works again.
    now = new Date(now.getTime() + retryAfter * 1000);
    expect((await ctx.app.request("/api/agent", { headers: bearer(KEYS.ADMIN_KEY) })).status).toBe(200);
  });

  it("ignores a key whose environment variable is unset", async () => {
    const { app } = await withKeys();
    expect((await app.request("/api/agent", { headers: bearer("") })).status).toBe(401);
    expect((await app.request("/api/agent", { headers: bearer("${NOT_SET}") })).status).toBe(401);
  });

  // The role matrix of the README, route by route.
  const matrix: [string, string, unknown, { viewer: number; operator: number; admin: number }][] = [
    ["GET", "/api/agent", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["GET", "/api/executors", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["GET", "/api/models", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["GET", "/api/agent/templates", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["GET", "/api/agent/default", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["GET", "/openapi.json", undefined, { viewer: 200, operator: 200, admin: 200 }],
    ["POST", "/api/agent", { name: "From Role" }, { viewer: 403, operator: 201, admin: 201 }],
    ["PATCH", "/api/agent/seeded", { description: "x" }, { viewer: 403, operator: 200, admin: 200 }],
    ["PUT", "/api/agent/default", { agent_id: "seeded" }, { viewer: 403, operator: 200, admin: 200 }],
    ["POST", "/api/agent/templates", { agent_id: "seeded" }, { viewer: 403, operator: 201, admin: 201 }],
    ["DELETE", "/api/agent/seeded", undefined, { viewer: 403, operator: 200, admin: 200 }],
  ];
  for (const [method, path, body, expected] of matrix) {
    for (const [role, key] of [
      ["viewer", KEYS.VIEW_KEY],
      ["operator", KEYS.OP_KEY],
      ["admin", KEYS.ADMIN_KEY],
    ] as const) {
      it(`${method} ${path} as ${role} → ${expected[role]}`, async () => {
        const { app } = await withKeys();
        await app.request("/api/agent", jsonRequest("POST", { name: "Seeded" }, bearer(KEYS.ADMIN_KEY)));
        const init =
          body === undefined ? { method, headers: bearer(key) } : jsonRequest(method, body, bearer(key));
        const res = await app.request(path, init);
        expect(res.status).toBe(expected[role]);
        if (res.status === 403)
          expect(await json(res)).toMatchObject({
            code: "FORBIDDEN_ROLE",
            details: { required_role: "operator" },
          });
      });
    }
  }

  it("accepts keys from any client address and any Origin", async () => {
    const recorder = recordingLogger();
    const ctx = createTestApp({ env: KEYS, logger: recorder.logger, remoteAddress: "203.0.113.9" });
    await ctx.scopes
      .global()
      .store.writeRaw("gateway.yaml", "api_keys:\n  - { name: root, key: '${ADMIN_KEY}', role: admin }\n");
    const res = await ctx.app.request("/api/agent", {
      headers: { ...bearer(KEYS.ADMIN_KEY), origin: "https://evil.example" },
    });
    expect(res.status).toBe(200);
  });

  it("applies an edited gateway.yaml without a restart", async () => {
    const { app, scopes } = await withKeys();
    expect((await app.request("/api/agent")).status).toBe(401);
    await scopes.global().store.writeRaw("gateway.yaml", "api_keys: []\n");
    expect((await app.request("/api/agent")).status).toBe(200);
  });

  it("never logs a key or token", async () => {
    const { app, lines } = await withKeys();
    await app.request("/api/agent", { headers: bearer(KEYS.ADMIN_KEY) });
    await app.request("/api/agent", { headers: bearer("guess-1234") });
    await app.request(`/api/agent?token=${KEYS.VIEW_KEY}`, { headers: { upgrade: "websocket" } });
    const text = JSON.stringify(lines);
    expect(lines.filter((l) => l.msg === "request")).toHaveLength(3);
    for (const secret of [...Object.values(KEYS), "guess-1234"]) expect(text).not.toContain(secret);
    const first = lines.find((l) => l.msg === "request");
    expect(first).toMatchObject({
      method: "GET",
      path: "/api/agent",
      status: 200,
      key: "root",
    });
    expect(first).toHaveProperty("request_id");
    expect(first).toHaveProperty("duration_ms");
    expect(lines.some((l) => l.level === "warn" && String(l.detail).includes("NOT_SET"))).toBe(true);
  });
});

describe("no-key mode", () => {
  it("serves loopback clients with loopback Host and Origin", async () => {
    const { app } = createTestApp();
    const variants: Record<string, string>[] = [
      {},
      { host: "127.0.0.1:18790" },
      { host: "localhost:18790", origin: "http://localhost:5173" },
      { host: "[::1]:18790", origin: "http://127.0.0.1:3000" },
    ];
    for (const headers of variants) {
      expect((await app.request("/api/agent", { headers })).status).toBe(200);
    }
  });

  it("serves the Viben desktop's webview origins (Tauri), with CORS headers for them", async () => {
    const { app } = createTestApp();
    for (const origin of ["tauri://localhost", "http://tauri.localhost"]) {
      const res = await app.request("/api/agent", { headers: { host: "127.0.0.1:18790", origin } });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
    }
    for (const origin of ["tauri://evil.example", "tauri://localhost.evil.example"]) {
      const res = await app.request("/api/agent", { headers: { origin } });
      expect(res.status).toBe(403);
    }
  });

  it("refuses a foreign browser Origin", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/agent", { headers: { origin: "https://evil.example" } });
    expect(res.status).toBe(403);
    expect(await json(res)).toMatchObject({ code: "FORBIDDEN_ORIGIN" });
    const post = await app.request("/api/agent", jsonRequest("POST", { name: "x" }, { origin: "null" }));
    expect(post.status).toBe(403);
  });

  it("refuses a forged Host (DNS rebinding)", async () => {
    const { app } = createTestApp();
    for (const host of [
      "evil.example",
      "evil.example:18790",
      "127.0.0.1.evil.example",
      "localhost.evil.example",
    ]) {
      const res = await app.request("/api/agent", { headers: { host } });
      expect(res.status).toBe(403);
      expect((await json(res)).code).toBe("FORBIDDEN_HOST");
    }
  });

  it("refuses non-loopback clients", async () => {
    const { app } = createTestApp({ remoteAddress: "192.168.1.20" });
    const res = await app.request("/api/agent");
    expect(res.status).toBe(403);
    expect((await json(res)).code).toBe("FORBIDDEN_REMOTE");
    expect((await app.request("/health")).status).toBe(200);
  });

  it("accepts origins and hosts listed in gateway.yaml and answers CORS for them only", async () => {
    const { app, scopes } = createTestApp();
    await scopes
      .global()
      .store.writeRaw(
        "gateway.yaml",
        "cors:\n  origins: [https://app.example]\nallowed_hosts: [gateway.lan]\n",
      );
    const ok = await app.request("/api/agent", {
      headers: { origin: "https://app.example", host: "gateway.lan" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const preflight = await app.request("/api/agent", {
      method: "OPTIONS",
      headers: { origin: "https://other.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });
});
