import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProviderChecker } from "../../../runtime/providers/checker.js";
import { type ListingStub, startListingStub } from "../../fixtures/provider-listing-stub.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT, recordingLogger } from "../../helpers/app.js";

type Json = Record<string, unknown>;
type Listing = { workspace_path: string; providers: Json[]; total: number; warnings: Json[] };

const SECRET = "sk-live-very-secret-0123456789";
const HEADER_SECRET = "org-header-secret-987654321";

const post = (body: unknown, headers?: Record<string, string>) => jsonRequest("POST", body, headers);
const patch = (body: unknown, headers?: Record<string, string>) => jsonRequest("PATCH", body, headers);

describe("/api/providers CRUD", () => {
  it("creates, reads, lists, updates and deletes a global provider file", async () => {
    const { app, scopes } = createTestApp({ env: { LOCAL_KEY: "from-env" } });
    const created = await app.request(
      "/api/providers",
      post({
        id: "local",
        name: "本地模型",
        type: "openai-compatible",
        base_url: "http://127.0.0.1:8000/v1",
        api_key: "${LOCAL_KEY}",
        headers: { "X-Org": HEADER_SECRET, "X-Ref": "${LOCAL_KEY}" },
        models: [{ id: "qwen3", context_window: 32768, pricing: { input: 0, output: 0 } }],
      }),
    );
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({
      id: "local",
      name: "本地模型",
      type: "openai-compatible",
      base_url: "http://127.0.0.1:8000/v1",
      api_key: "${LOCAL_KEY}",
      has_api_key: true,
      headers: { "X-Org": "***", "X-Ref": "${LOCAL_KEY}" },
      models: [{ id: "qwen3", context_window: 32768, pricing: { input: 0, output: 0 } }],
      source: "global",
      workspace_path: HOME,
      config_path: `${HOME}/.viben/providers/local.yaml`,
      is_configured: true,
      reason: null,
    });
    expect(body.created_at).toEqual(body.updated_at);
    const text = await scopes.global().store.readRaw("providers:local.yaml");
    expect(text).toContain("api_key: ${LOCAL_KEY}");

    expect(await json(await app.request("/api/providers/local"))).toMatchObject({ id: "local" });
    const list = await json<Listing>(await app.request("/api/providers"));
    expect(list.providers.map((p) => [p.id, p.source])).toEqual([
      ["local", "global"],
      ["anthropic", "builtin"],
      ["openai", "builtin"],
      ["google", "builtin"],
      ["ollama", "builtin"],
    ]);
    expect(list.total).toBe(5);

    const updated = await json(
      await app.request("/api/providers/local", patch({ api_key: SECRET, headers: null, name: "Local" })),
    );
    expect(updated).toMatchObject({ name: "Local", api_key: "***", has_api_key: true });
    expect(updated).not.toHaveProperty("headers");
    const removedKey = await json(await app.request("/api/providers/local", patch({ api_key: null })));
    expect(removedKey).toMatchObject({ has_api_key: false });
    expect(removedKey).not.toHaveProperty("api_key");

    const deleted = await app.request("/api/providers/local", { method: "DELETE" });
    expect(await json(deleted)).toEqual({ success: true, id: "local", source: "global" });
    expect((await app.request("/api/providers/local")).status).toBe(404);
  });

  it("names the provider after its id when no name is given", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/providers", post({ id: "anthropic-proxy", type: "anthropic" }));
    expect(await json(res)).toMatchObject({
      name: "anthropic-proxy",
      has_api_key: false,
      is_configured: true,
    });
  });

  it("keeps keys and comments written by hand, without echoing unknown keys", async () => {
    const { app, scopes } = createTestApp();
    await scopes
      .global()
      .store.writeRaw(
        "providers:hand.yaml",
        "# my proxy\nname: Hand\ntype: openai\nbase_url: https://proxy.example/v1\norg_secret: keep-me-123456\n",
      );
    const res = await app.request("/api/providers/hand", patch({ name: "Hand Made" }));
    expect(res.status).toBe(200);
    const view = await json(res);
    expect(view).toMatchObject({ name: "Hand Made", base_url: "https://proxy.example/v1" });
    expect(JSON.stringify(view)).not.toContain("keep-me-123456");
    const text = await scopes.global().store.readRaw("providers:hand.yaml");
    expect(text).toContain("# my proxy");
    expect(text).toContain("org_secret: keep-me-123456");
    expect(text).toContain("name: Hand Made");
  });

  it("lets a workspace file override a global one with the same id", async () => {
    const { app } = createTestApp();
    const base = { id: "shared", type: "openai-compatible" };
    await app.request("/api/providers", post({ ...base, base_url: "http://global.example/v1" }));
    const ws = await app.request(
      "/api/providers",
      post({ ...base, base_url: "http://project.example/v1", base_path: PROJECT }),
    );
    expect(ws.status).toBe(201);
    expect(await json(ws)).toMatchObject({ source: "workspace", workspace_path: PROJECT });

    const merged = await json<Listing>(await app.request(`/api/providers?workspace_path=${PROJECT}`));
    expect(merged.workspace_path).toBe(PROJECT);
    expect(merged.providers.filter((p) => p.id === "shared")).toEqual([
      expect.objectContaining({ source: "workspace", base_url: "http://project.example/v1" }),
    ]);
    const only = await json<Listing>(
      await app.request(`/api/providers?workspace_path=${PROJECT}&include_global=false`),
    );
    expect(only.providers.map((p) => p.id)).toEqual(["shared"]);

    expect(await json(await app.request(`/api/providers/shared?workspace_path=${PROJECT}`))).toMatchObject({
      source: "workspace",
    });
    expect(await json(await app.request("/api/providers/shared"))).toMatchObject({ source: "global" });
    await app.request(`/api/providers/shared?workspace_path=${PROJECT}`, { method: "DELETE" });
    expect(await json(await app.request(`/api/providers/shared?workspace_path=${PROJECT}`))).toMatchObject({
      source: "global",
    });
  });

  it("lists a provider file that does not validate as a warning, and answers 422 for it", async () => {
    const { app, scopes } = createTestApp();
    await scopes.global().store.writeRaw("providers:broken.yaml", "name: Broken\ntype: carrier-pigeon\n");
    const list = await json<Listing>(await app.request("/api/providers"));
    expect(list.providers.some((p) => p.id === "broken")).toBe(false);
    expect(list.warnings).toEqual([expect.objectContaining({ id: "broken" })]);
    expect(String(list.warnings[0]?.error)).toMatch(/type/);
    const res = await app.request("/api/providers/broken");
    expect(res.status).toBe(422);
    expect((await json(res)).code).toBe("INVALID_PROVIDER_CONFIG");
  });
});

describe("/api/providers input errors", () => {
  const valid = { id: "ok", type: "openai", base_url: "https://api.example/v1" };
  const cases: [string, Json, RegExp][] = [
    ["a bad type", { ...valid, type: "cohere" }, /type/],
    ["a missing type", { id: "ok" }, /type/],
    ["an id with a slash", { ...valid, id: "a/b" }, /id/],
    ["an id with ..", { ...valid, id: ".." }, /id/],
    ["an id with a colon", { ...valid, id: "a:b" }, /id/],
    ["a relative base_url", { ...valid, base_url: "/v1" }, /base_url/],
    ["a non-http base_url", { ...valid, base_url: "ftp://files.example/" }, /base_url.*http/],
    [
      "credentials in base_url",
      { ...valid, base_url: "https://u:p@api.example/v1" },
      /base_url.*credentials/,
    ],
    ["openai-compatible without base_url", { id: "ok", type: "openai-compatible" }, /base_url.*required/],
    ["an empty api_key", { ...valid, api_key: "" }, /api_key/],
    ["a bad header name", { ...valid, headers: { "Bad Header": "x" } }, /headers/],
    ["a header value with a line break", { ...valid, headers: { "X-A": "a\r\nX-B: b" } }, /headers/],
    ["a model without id", { ...valid, models: [{ name: "x" }] }, /models\.0\.id/],
    ["a negative price", { ...valid, models: [{ id: "m", pricing: { input: -1, output: 1 } }] }, /pricing/],
    ["an unknown field", { ...valid, apikey: "typo" }, /apikey/],
    ["a base_path that does not exist", { ...valid, base_path: "/nowhere" }, /base_path/],
  ];
  for (const [what, body, message] of cases) {
    it(`refuses ${what} with 400 naming the field`, async () => {
      const { app, scopes } = createTestApp();
      const res = await app.request("/api/providers", post(body));
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatch(message);
      expect(await scopes.global().store.keys("providers")).toEqual([]);
    });
  }

  it("refuses bad patches without writing anything", async () => {
    const { app, scopes } = createTestApp();
    await app.request("/api/providers", post(valid));
    const before = await scopes.global().store.readRaw("providers:ok.yaml");
    for (const body of [
      { type: "x" },
      { base_url: "nope" },
      { unknown: 1 },
      { type: "openai-compatible", base_url: null },
    ]) {
      const res = await app.request("/api/providers/ok", patch(body));
      expect(res.status).toBe(400);
    }
    expect(await scopes.global().store.readRaw("providers:ok.yaml")).toBe(before);
  });

  it("answers 404 for unknown providers and 409 for clashes and built-in ones", async () => {
    const { app } = createTestApp();
    for (const [method, path] of [
      ["GET", "/api/providers/nope"],
      ["PATCH", "/api/providers/nope"],
      ["DELETE", "/api/providers/nope"],
      ["POST", "/api/providers/nope/test"],
    ] as const) {
      const res = await app.request(path, method === "PATCH" ? patch({ name: "x" }) : { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).code).toBe("PROVIDER_NOT_FOUND");
    }
    expect((await app.request("/api/providers", post(valid))).status).toBe(201);
    const again = await app.request("/api/providers", post(valid));
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("PROVIDER_EXISTS");
    // A workspace may still override it.
    expect((await app.request("/api/providers", post({ ...valid, base_path: PROJECT }))).status).toBe(201);

    for (const init of [patch({ name: "x" }), { method: "DELETE" }]) {
      const res = await app.request("/api/providers/openai", init);
      expect(res.status).toBe(409);
      expect((await json(res)).code).toBe("PROVIDER_BUILTIN");
    }
    // Configuring a built-in provider is creating its file.
    expect((await app.request("/api/providers", post({ id: "openai", type: "openai" }))).status).toBe(201);
    expect(await json(await app.request("/api/providers/openai"))).toMatchObject({ source: "global" });
  });
});

describe("built-in providers and resolve()", () => {
  it("configures built-in providers from the environment", async () => {
    const { app } = createTestApp({
      env: { ANTHROPIC_API_KEY: SECRET, GOOGLE_API_KEY: "g-key-123456", OLLAMA_HOST: "0.0.0.0:11500" },
    });
    const list = await json<Listing>(await app.request("/api/providers"));
    const byId = Object.fromEntries(list.providers.map((p) => [p.id, p]));
    expect(byId.anthropic).toMatchObject({
      type: "anthropic",
      api_key: "${ANTHROPIC_API_KEY}",
      is_configured: true,
      source: "builtin",
      workspace_path: HOME,
    });
    expect(byId.anthropic).not.toHaveProperty("config_path");
    expect(byId.openai).toMatchObject({
      is_configured: false,
      reason: expect.stringMatching(/OPENAI_API_KEY/),
    });
    expect(byId.google).toMatchObject({
      type: "openai-compatible",
      api_key: "${GOOGLE_API_KEY}",
      is_configured: true,
    });
    expect(byId.ollama).toMatchObject({
      type: "openai-compatible",
      base_url: "http://127.0.0.1:11500/v1",
      has_api_key: false,
      is_configured: true,
    });
    expect(JSON.stringify(list)).not.toContain(SECRET);
  });

  it("resolves providers with ${ENV} expanded, workspace first, null when a variable is unset", async () => {
    const env = { K: "key-from-env", H: "header-from-env", OPENAI_API_KEY: "sk-openai" };
    const { app, scopes } = createTestApp({ env });
    const repo = app.services.providers;
    await app.request(
      "/api/providers",
      post({
        id: "p",
        type: "openai-compatible",
        base_url: "http://global.example/v1",
        api_key: "${K}",
        headers: { "X-H": "pre-${H}", "X-Lit": "literal" },
      }),
    );
    await app.request(
      "/api/providers",
      post({ id: "p", type: "anthropic", api_key: "${MISSING}", base_path: PROJECT }),
    );
    const global = [scopes.global()];
    const both = [scopes.workspace(PROJECT), scopes.global()];
    expect(await repo.resolve("p", global, env)).toEqual({
      id: "p",
      name: "p",
      type: "openai-compatible",
      base_url: "http://global.example/v1",
      api_key: "key-from-env",
      headers: { "X-H": "pre-header-from-env", "X-Lit": "literal" },
    });
    expect(await repo.resolve("p", both, env)).toBeNull();
    expect(await repo.explain("p", both, env)).toEqual({
      configured: false,
      reason: "api_key: environment variable MISSING is not set",
    });
    expect(await repo.resolve("p", global, { K: "k" })).toBeNull();
    expect(await repo.resolve("openai", global, env)).toEqual({
      id: "openai",
      name: "OpenAI",
      type: "openai",
      api_key: "sk-openai",
    });
    expect(
      await repo.resolve("openai", global, { ...env, OPENAI_BASE_URL: "http://proxy/v1" }),
    ).toMatchObject({
      base_url: "http://proxy/v1",
    });
    expect(await repo.resolve("anthropic", global, env)).toBeNull();
    expect(await repo.resolve("ollama", global, {})).toBeNull();
    expect(await repo.resolve("ollama", global, { OLLAMA_HOST: "http://gpu.lan:11434" })).toMatchObject({
      base_url: "http://gpu.lan:11434/v1",
    });
    expect(await repo.resolve("nope", global, env)).toBeNull();
    expect(await repo.resolve("not/an/id", global, env)).toBeNull();
  });

  it("makes native agents available by their provider's configuration", async () => {
    const { app } = createTestApp({ env: { K: "k" } });
    await app.request("/api/providers", post({ id: "set", type: "openai", api_key: "${K}" }));
    await app.request("/api/providers", post({ id: "unset", type: "openai", api_key: "${NOPE}" }));
    for (const provider of ["set", "unset"]) {
      await app.request("/api/agent", post({ name: `uses-${provider}`, provider, model: "m" }));
    }
    const agents = await json<{ agents: Json[] }>(await app.request("/api/agent"));
    expect(agents.agents.map((a) => [a.id, a.is_available])).toEqual([
      ["uses-set", true],
      ["uses-unset", false],
    ]);
  });
});

describe("POST /api/providers/{id}/test", () => {
  const stubs: Record<string, ListingStub> = {};

  beforeAll(async () => {
    stubs.openai = await startListingStub({ mode: "openai", key: SECRET });
    stubs.anthropic = await startListingStub({
      mode: "anthropic",
      key: SECRET,
      pageSize: 2,
      models: [
        { id: "claude-a", name: "Claude A" },
        { id: "claude-b", name: "Claude B" },
        { id: "claude-c", name: "Claude C" },
      ],
    });
    stubs.hang = await startListingStub({ mode: "hang" });
    stubs.unauthorized = await startListingStub({ mode: "unauthorized" });
  });

  afterAll(async () => {
    await Promise.all(Object.values(stubs).map((s) => s.close()));
  });

  function testApp() {
    const recorder = recordingLogger();
    const ctx = createTestApp({
      env: { STUB_KEY: SECRET },
      logger: recorder.logger,
      providerChecks: createProviderChecker({ logger: recorder.logger }),
    });
    return { ...ctx, ...recorder };
  }

  it("lists an OpenAI-style provider's models with the Bearer key", async () => {
    const { app } = testApp();
    await app.request(
      "/api/providers",
      post({
        id: "oai",
        type: "openai-compatible",
        base_url: `${stubs.openai!.url}/v1`,
        api_key: "${STUB_KEY}",
      }),
    );
    const res = await app.request("/api/providers/oai/test", { method: "POST" });
    expect(res.status).toBe(200);
    const check = await json(res);
    expect(check).toMatchObject({
      provider_id: "oai",
      ok: true,
      status: 200,
      models: [{ id: "stub-large" }, { id: "stub-small" }],
    });
    expect(typeof check.latency_ms).toBe("number");
    expect(stubs.openai!.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);
    const view = await json(await app.request("/api/providers/oai"));
    expect(view.last_check).toMatchObject({ ok: true, model_count: 2 });
  });

  it("pages through an Anthropic listing with x-api-key and anthropic-version", async () => {
    const { app } = testApp();
    await app.request(
      "/api/providers",
      post({ id: "claude", type: "anthropic", base_url: stubs.anthropic!.url, api_key: SECRET }),
    );
    const check = await json(await app.request("/api/providers/claude/test", { method: "POST" }));
    expect(check).toMatchObject({
      ok: true,
      models: [
        { id: "claude-a", name: "Claude A" },
        { id: "claude-b", name: "Claude B" },
        { id: "claude-c", name: "Claude C" },
      ],
    });
    const last = stubs.anthropic!.requests.at(-1)!;
    expect(last.path).toBe("/v1/models?limit=1000&after_id=claude-b");
    expect(last.headers).toMatchObject({ "x-api-key": SECRET, "anthropic-version": "2023-06-01" });
  });

  it("reports a refused key as ok:false without repeating the key, in the answer or the log", async () => {
    const { app, lines } = testApp();
    await app.request(
      "/api/providers",
      post({
        id: "refuses",
        type: "openai-compatible",
        base_url: `${stubs.unauthorized!.url}/v1`,
        api_key: SECRET,
        headers: { "X-Org": HEADER_SECRET },
      }),
    );
    const res = await app.request("/api/providers/refuses/test", { method: "POST" });
    expect(res.status).toBe(200);
    const text = await res.text();
    const check = JSON.parse(text) as Json;
    expect(check).toMatchObject({ ok: false, status: 401, models: [] });
    expect(check.error).toMatch(/authentication failed \(HTTP 401\)/);
    expect(text).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(HEADER_SECRET);
  });

  it("gives up on a provider that does not answer (ok:false, never a 500)", async () => {
    const { app } = testApp();
    await app.request(
      "/api/providers",
      post({ id: "slow", type: "openai-compatible", base_url: `${stubs.hang!.url}/v1` }),
    );
    const started = Date.now();
    const res = await app.request("/api/providers/slow/test", post({ timeout_ms: 300 }));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      ok: false,
      error: expect.stringMatching(/no answer .* within 0.3 s/),
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("reports an unreachable provider and a provider that is not configured", async () => {
    const { app } = testApp();
    await app.request(
      "/api/providers",
      post({ id: "closed", type: "openai-compatible", base_url: "http://127.0.0.1:9/v1" }),
    );
    expect(await json(await app.request("/api/providers/closed/test", { method: "POST" }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/cannot connect to http:\/\/127\.0\.0\.1:9/),
    });
    const notSet = await json(await app.request("/api/providers/openai/test", { method: "POST" }));
    expect(notSet).toMatchObject({
      ok: false,
      error: expect.stringMatching(/not configured.*OPENAI_API_KEY/),
    });
  });

  it("refuses a bad timeout and answers 501 without the capability", async () => {
    const { app } = testApp();
    const bad = await app.request("/api/providers/openai/test", post({ timeout_ms: 5 }));
    expect(bad.status).toBe(400);
    const bare = createTestApp();
    const res = await bare.app.request("/api/providers/openai/test", { method: "POST" });
    expect(res.status).toBe(501);
    expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
  });
});

describe("/api/providers roles and redaction", () => {
  const KEYS = {
    ADMIN_KEY: "admin-key-0123456789",
    OP_KEY: "op-key-0123456789",
    VIEW_KEY: "view-key-0123456789",
  };
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  async function withKeys() {
    const recorder = recordingLogger();
    const ctx = createTestApp({
      env: { ...KEYS, PROVIDER_SECRET: SECRET },
      logger: recorder.logger,
      providerChecks: createProviderChecker({ timeoutMs: 300 }),
    });
    await ctx.scopes
      .global()
      .store.writeRaw(
        "gateway.yaml",
        [
          "api_keys:",
          "  - { name: root, key: '${ADMIN_KEY}', role: admin }",
          "  - { name: ops, key: '${OP_KEY}', role: operator }",
          "  - { name: dash, key: '${VIEW_KEY}', role: viewer }",
        ].join("\n"),
      );
    return { ...ctx, ...recorder };
  }

  it("lets viewers read, operators test, and only admins write", async () => {
    const { app } = await withKeys();
    const body = { id: "p", type: "openai-compatible", base_url: "http://127.0.0.1:9/v1" };
    for (const key of [KEYS.VIEW_KEY, KEYS.OP_KEY]) {
      const res = await app.request("/api/providers", post(body, bearer(key)));
      expect(res.status).toBe(403);
      expect(await json(res)).toMatchObject({ code: "FORBIDDEN_ROLE", details: { required_role: "admin" } });
    }
    expect((await app.request("/api/providers", post(body, bearer(KEYS.ADMIN_KEY)))).status).toBe(201);
    for (const key of [KEYS.VIEW_KEY, KEYS.OP_KEY, KEYS.ADMIN_KEY]) {
      expect((await app.request("/api/providers", { headers: bearer(key) })).status).toBe(200);
      expect((await app.request("/api/providers/p", { headers: bearer(key) })).status).toBe(200);
    }
    expect((await app.request("/api/providers/p", patch({ name: "x" }, bearer(KEYS.OP_KEY)))).status).toBe(
      403,
    );
    expect(
      (await app.request("/api/providers/p", { method: "DELETE", headers: bearer(KEYS.OP_KEY) })).status,
    ).toBe(403);
    const test = (key: string) =>
      app.request("/api/providers/p/test", { method: "POST", headers: bearer(key) });
    expect((await test(KEYS.VIEW_KEY)).status).toBe(403);
    expect((await test(KEYS.OP_KEY)).status).toBe(200);
    expect((await app.request("/api/providers/p", patch({ name: "x" }, bearer(KEYS.ADMIN_KEY)))).status).toBe(
      200,
    );
    expect(
      (await app.request("/api/providers/p", { method: "DELETE", headers: bearer(KEYS.ADMIN_KEY) })).status,
    ).toBe(200);
  });

  it("gives the desktop's routes their roles: switches and defaults need an operator, provider switches an admin", async () => {
    const { app } = await withKeys();
    const body = {
      id: "p",
      type: "openai-compatible",
      base_url: "http://127.0.0.1:9/v1",
      models: [{ id: "m" }],
    };
    expect((await app.request("/api/providers", post(body, bearer(KEYS.ADMIN_KEY)))).status).toBe(201);
    const put = (path: string, payload: unknown, key: string) =>
      app.request(path, {
        method: "PUT",
        headers: { ...bearer(key), "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
    const postAs = (path: string, key: string) => app.request(path, { method: "POST", headers: bearer(key) });
    const reads = [
      "/api/providers/default",
      "/api/providers/p/models",
      "/api/models/default",
      "/api/models/m",
    ];
    for (const path of reads)
      expect((await app.request(path, { headers: bearer(KEYS.VIEW_KEY) })).status).toBe(200);

    const operatorWrites: [string, (key: string) => Response | Promise<Response>][] = [
      ["PUT provider default", (k) => put("/api/providers/default", { provider_id: "p" }, k)],
      ["PUT model default", (k) => put("/api/models/default", { model_id: "m" }, k)],
      ["PUT provider models", (k) => put("/api/providers/p/models", { model_ids: ["m"] }, k)],
      ["disable model", (k) => postAs("/api/models/m/disable", k)],
      ["enable provider model", (k) => postAs("/api/providers/p/models/m/enable", k)],
    ];
    for (const [name, call] of operatorWrites) {
      expect((await call(KEYS.VIEW_KEY)).status, name).toBe(403);
      expect((await call(KEYS.OP_KEY)).status, name).toBe(200);
    }
    for (const path of ["/api/providers/p/disable", "/api/providers/p/enable"]) {
      expect((await postAs(path, KEYS.OP_KEY)).status, path).toBe(403);
      expect((await postAs(path, KEYS.ADMIN_KEY)).status, path).toBe(200);
    }
  });

  it("never shows a literal key or header value in any answer or log line", async () => {
    const { app, lines } = await withKeys();
    const admin = bearer(KEYS.ADMIN_KEY);
    const bodies: string[] = [];
    const call = async (path: string, init: RequestInit = { headers: admin }) => {
      const res = await app.request(path, init);
      bodies.push(await res.text());
      return res;
    };
    await call(
      "/api/providers",
      post(
        {
          id: "lit",
          type: "openai-compatible",
          base_url: "http://127.0.0.1:9/v1",
          api_key: SECRET,
          headers: { "X-Org": HEADER_SECRET },
          models: [{ id: "m1" }],
        },
        admin,
      ),
    );
    await call(
      "/api/providers/lit",
      patch({ headers: { "X-Org": HEADER_SECRET, "X-Ref": "${PROVIDER_SECRET}" } }, admin),
    );
    await call(
      "/api/providers",
      post(
        { id: "ref", type: "openai", base_url: "http://127.0.0.1:9/v1", api_key: "${PROVIDER_SECRET}" },
        admin,
      ),
    );
    await call("/api/providers");
    await call("/api/providers/lit");
    await call("/api/providers/ref");
    await call("/api/providers/lit/test", { method: "POST", headers: admin });
    await call("/api/providers/ref/test", post({ timeout_ms: 200 }, admin));
    await call("/api/models");
    await call("/api/providers", post({ id: "bad", type: "openai", api_key: 42 }, admin));
    await call("/openapi.json");
    expect(bodies.at(-1)).toContain('"/api/providers/{id}/test"');
    expect(bodies.some((b) => b.includes('"api_key":"***"'))).toBe(true);
    expect(bodies.some((b) => b.includes('"api_key":"${PROVIDER_SECRET}"'))).toBe(true);
    for (const text of [...bodies, JSON.stringify(lines)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(HEADER_SECRET);
    }
    expect(lines.filter((l) => l.msg === "request").length).toBe(bodies.length);
  });
});
