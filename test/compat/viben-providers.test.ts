// Follows Viben's desktop client, LinXueyuanStdio/viben apps/desktop/src/lib/gateway/modules/providers.ts
// (every function's method, path, headers and body as it sends them) and apps/desktop/src/lib/gateway/types/model.ts (the answers it
// reads), plus the routes only its server has, packages/core/src/gateway/routes/providers.ts
// (GET /api/providers/default, POST /api/providers/:id/enable|disable, GET /api/providers/:id/discover-models,
// POST /api/providers/:provider_id/models/:model_id/enable|disable, GET /api/providers/api-keys without
// its `key_prefix`).
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type ListingStub, startListingStub } from "../fixtures/provider-listing-stub.js";
import { makeTempHome, removeDir } from "../helpers/gateway-process.js";

const OPENAI_SECRET = "sk-compat-openai-4242424242";
const CLAUDE_SECRET = "sk-ant-compat-claude-7373737373";

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field as the desktop reads them
type Json = Record<string, any>;

/** The desktop's calls, transcribed: same method, path, headers and body; they answer status and JSON. */
function desktopClient(baseUrl: string, seen: string[]) {
  const send = async (path: string, init: RequestInit) => {
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    seen.push(text);
    return { status: res.status, ok: res.ok, json: text ? (JSON.parse(text) as Json) : {} };
  };
  const get = (path: string) => send(path, { method: "GET", headers: { Accept: "application/json" } });
  const withBody = (method: string, path: string, body: unknown) =>
    send(path, {
      method,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  const post = (path: string) => send(path, { method: "POST", headers: { Accept: "application/json" } });
  const enc = encodeURIComponent;
  return {
    listProviders: () => get("/api/providers"),
    getProvider: (id: string) => get(`/api/providers/${enc(id)}`),
    createProvider: (options: Json) =>
      withBody("POST", "/api/providers", {
        type: options.type,
        name: options.name,
        api_key: options.apiKey,
        base_url: options.baseUrl,
        api_version: options.apiVersion,
        deployment: options.deployment,
        timeout: options.timeout,
        max_retries: options.maxRetries,
        headers: options.headers,
        set_as_default: options.setAsDefault,
      }),
    updateProvider: (id: string, updates: Json) =>
      withBody("PATCH", `/api/providers/${enc(id)}`, {
        type: updates.type,
        name: updates.name,
        api_key: updates.apiKey,
        base_url: updates.baseUrl,
        api_version: updates.apiVersion,
        deployment: updates.deployment,
        timeout: updates.timeout,
        max_retries: updates.maxRetries,
        headers: updates.headers,
      }),
    deleteProvider: (id: string) =>
      send(`/api/providers/${enc(id)}`, { method: "DELETE", headers: { Accept: "application/json" } }),
    setDefaultProvider: (id: string) => withBody("PUT", "/api/providers/default", { provider_id: id }),
    testProvider: (id: string) => post(`/api/providers/${enc(id)}/test`),
    discoverModels: (id: string) => post(`/api/providers/${enc(id)}/discover`),
    getProviderEnabledModels: (id: string) => get(`/api/providers/${enc(id)}/models`),
    updateProviderEnabledModels: (id: string, modelIds: string[]) =>
      withBody("PUT", `/api/providers/${enc(id)}/models`, { model_ids: modelIds }),
    // The server's own routes (routes/providers.ts), which the desktop's settings pages reach by path.
    getDefaultProvider: () => get("/api/providers/default"),
    enableProvider: (id: string) => post(`/api/providers/${enc(id)}/enable`),
    disableProvider: (id: string) => post(`/api/providers/${enc(id)}/disable`),
    discoverModelsGet: (id: string) => get(`/api/providers/${enc(id)}/discover-models`),
    enableProviderModel: (id: string, model: string) =>
      post(`/api/providers/${enc(id)}/models/${enc(model)}/enable`),
    disableProviderModel: (id: string, model: string) =>
      post(`/api/providers/${enc(id)}/models/${enc(model)}/disable`),
    getApiKeyProviders: () => get("/api/providers/api-keys"),
    listModels: () => get("/api/models"),
  };
}

describe("Viben desktop provider management against the real gateway", () => {
  let gw: RunningGateway;
  let home: string;
  let desktop: ReturnType<typeof desktopClient>;
  const seen: string[] = [];
  const stubs = {} as Record<"openai" | "anthropic" | "unauthorized", ListingStub>;

  beforeAll(async () => {
    home = await makeTempHome();
    await mkdir(join(home, "project"));
    stubs.openai = await startListingStub({
      mode: "openai",
      key: OPENAI_SECRET,
      models: [{ id: "stub-large" }, { id: "stub-small" }, { id: "org/stub-routed" }],
    });
    stubs.anthropic = await startListingStub({
      mode: "anthropic",
      key: CLAUDE_SECRET,
      pageSize: 1,
      models: [
        { id: "claude-stub-1", name: "Claude Stub 1" },
        { id: "claude-stub-2", name: "Claude Stub 2" },
      ],
    });
    stubs.unauthorized = await startListingStub({ mode: "unauthorized" });
    // No provider keys in the environment: only what the desktop creates is configured.
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH, VIBEN_LOG_LEVEL: "warn" },
    });
    desktop = desktopClient(gw.url, seen);
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all(Object.values(stubs).map((s) => s.close()));
    await removeDir(home);
  });

  it("lists providers with default_provider_id (null before one is chosen)", async () => {
    const list = await desktop.listProviders();
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ default_provider_id: null, total: list.json.providers.length });
    // The built-in providers are listed, each with the fields the desktop's ProviderResponse reads.
    const openai = list.json.providers.find((p: Json) => p.id === "openai");
    expect(openai).toMatchObject({
      type: "openai",
      category: "llm",
      surfaces: ["chat"],
      is_default: false,
      enabled: true,
    });
  });

  it("creates providers without an id: the gateway derives one from the name, numbered when taken", async () => {
    const created = await desktop.createProvider({
      type: "openai",
      name: "Stub OpenAI",
      apiKey: OPENAI_SECRET,
      baseUrl: `${stubs.openai.url}/v1`,
      setAsDefault: true,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      id: "stub-openai",
      name: "Stub OpenAI",
      type: "openai",
      api_key: "***",
      has_api_key: true,
      is_default: true,
      enabled: true,
      is_configured: true,
    });
    expect(created.json.created_at).toEqual(expect.any(String));
    expect(created.json.updated_at).toEqual(expect.any(String));
    const file = await readFile(join(home, ".viben/providers/stub-openai.yaml"), "utf8");
    expect(file).toContain(`base_url: ${stubs.openai.url}/v1`);

    const again = await desktop.createProvider({
      type: "openai",
      name: "Stub OpenAI",
      apiKey: OPENAI_SECRET,
      baseUrl: `${stubs.openai.url}/v1`,
      timeout: 30_000,
      maxRetries: 2,
    });
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ id: "stub-openai-2", is_default: false });
    // Fields the desktop sends that this gateway does not use are accepted and named, not stored.
    expect(again.json.ignored_fields).toEqual(["timeout", "max_retries"]);
    expect(await readFile(join(home, ".viben/providers/stub-openai-2.yaml"), "utf8")).not.toContain(
      "timeout",
    );

    const claude = await desktop.createProvider({
      type: "anthropic",
      name: "Claude Stub",
      apiKey: CLAUDE_SECRET,
      baseUrl: stubs.anthropic.url,
    });
    expect(claude.status).toBe(201);
    expect(claude.json.id).toBe("claude-stub");

    const refused = await desktop.createProvider({
      type: "unauthorized-stub",
      name: "Refused",
      apiKey: "sk-refused-000000000",
      baseUrl: stubs.unauthorized.url,
    });
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: "VALIDATION_ERROR", error: expect.stringContaining("type") });
    const nameless = await desktop.createProvider({ type: "openai" });
    expect(nameless.status).toBe(201);
    expect(nameless.json.id).toMatch(/^openai-\d+$|^openai$/);
    expect((await desktop.deleteProvider(nameless.json.id)).status).toBe(200);
  });

  it("reads and updates a provider as the desktop does (getProvider null on 404)", async () => {
    const got = await desktop.getProvider("stub-openai");
    expect(got.json).toMatchObject({ id: "stub-openai", is_default: true, api_key: "***" });
    expect((await desktop.getProvider("no-such-provider")).status).toBe(404);

    const updated = await desktop.updateProvider("stub-openai-2", { name: "Second Stub", timeout: 5000 });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ id: "stub-openai-2", name: "Second Stub" });
    expect(updated.json.ignored_fields).toEqual(["timeout"]);
  });

  it("accepts the desktop's provider types that speak OpenAI's API (ollama, groq, …) as openai-compatible", async () => {
    // An Ollama-style server: the stub answers OpenAI's /v1/models.
    const ollama = await desktop.createProvider({
      type: "ollama",
      name: "Local Ollama",
      apiKey: OPENAI_SECRET,
      baseUrl: `${stubs.openai.url}/v1`,
    });
    expect(ollama.status).toBe(201);
    expect(ollama.json).toMatchObject({ id: "local-ollama", type: "openai-compatible" });
    expect((await desktop.testProvider("local-ollama")).json.connected).toBe(true);
    // An edit sends `type` again: the provider keeps its own address.
    const edited = await desktop.updateProvider("local-ollama", { type: "ollama", name: "Ollama box" });
    expect(edited.json).toMatchObject({ type: "openai-compatible", base_url: `${stubs.openai.url}/v1` });

    // Without base_url, the public API root of that type (nothing is called here).
    const groq = await desktop.createProvider({ type: "groq", name: "Groq", apiKey: "gsk-compat-000000000" });
    expect(groq.json).toMatchObject({
      type: "openai-compatible",
      base_url: "https://api.groq.com/openai/v1",
    });
    expect((await desktop.deleteProvider(groq.json.id)).status).toBe(200);
    expect((await desktop.deleteProvider("local-ollama")).status).toBe(200);
  });

  it("sets and reads the default provider", async () => {
    const set = await desktop.setDefaultProvider("claude-stub");
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({ success: true, default_provider_id: "claude-stub" });
    const current = await desktop.getDefaultProvider();
    expect(current.json).toMatchObject({
      default_provider_id: "claude-stub",
      provider: { id: "claude-stub", is_default: true },
    });
    const list = await desktop.listProviders();
    expect(list.json.default_provider_id).toBe("claude-stub");
    expect(list.json.providers.filter((p: Json) => p.is_default).map((p: Json) => p.id)).toEqual([
      "claude-stub",
    ]);
    expect(await readFile(join(home, ".viben/config.yaml"), "utf8")).toContain(
      "default_provider: claude-stub",
    );

    expect((await desktop.setDefaultProvider("no-such-provider")).status).toBe(404);
    const missing = await desktop.setDefaultProvider(undefined as unknown as string);
    expect(missing.status).toBe(400);
    expect(missing.json.error).toContain("provider_id");
  });

  it("tests a provider: connected and latency beside ok and latency_ms", async () => {
    const ok = await desktop.testProvider("stub-openai");
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ provider_id: "stub-openai", connected: true, ok: true });
    expect(ok.json.latency).toBe(ok.json.latency_ms);
    expect(ok.json.checked_at).toEqual(expect.any(String));

    const bad = await desktop.createProvider({
      type: "openai",
      name: "Refusing",
      apiKey: "sk-wrong-key-1111111111",
      baseUrl: `${stubs.unauthorized.url}/v1`,
    });
    const refused = await desktop.testProvider(bad.json.id);
    expect(refused.json).toMatchObject({ connected: false, ok: false, status: 401 });
    expect(refused.json.error).toContain("authentication failed");
    expect(JSON.stringify(refused.json)).not.toContain("sk-wrong-key-1111111111");
  });

  it("discovers a provider's models from its own listing (both spellings, Anthropic paging)", async () => {
    const found = await desktop.discoverModels("stub-openai");
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({ provider_id: "stub-openai", ok: true, total: 3 });
    expect(found.json.models.map((m: Json) => m.id)).toEqual(["stub-large", "stub-small", "org/stub-routed"]);

    const claude = await desktop.discoverModelsGet("claude-stub");
    expect(claude.json.models).toEqual([
      { id: "claude-stub-1", name: "Claude Stub 1" },
      { id: "claude-stub-2", name: "Claude Stub 2" },
    ]);
    // The stub pages one model at a time: the second page was asked for with after_id.
    expect(stubs.anthropic.requests.some((r) => r.path.includes("after_id=claude-stub-1"))).toBe(true);

    // A provider that cannot be asked is a 200 with the reason, like the test route.
    const builtin = await desktop.discoverModels("anthropic");
    expect(builtin.json).toMatchObject({ ok: false, models: [], total: 0 });
    expect(builtin.json.error).toContain("ANTHROPIC_API_KEY");
    expect((await desktop.discoverModels("no-such-provider")).status).toBe(404);
  });

  it("lists a provider's models and switches them (PUT model_ids, per-model enable/disable)", async () => {
    const models = await desktop.getProviderEnabledModels("stub-openai");
    expect(models.status).toBe(200);
    expect(models.json.provider_id).toBe("stub-openai");
    expect(models.json.total).toBe(3);
    for (const m of models.json.models) {
      expect(m).toMatchObject({ provider_id: "stub-openai", provider: "openai", enabled: true });
    }

    const chosen = await desktop.updateProviderEnabledModels("stub-openai", ["stub-large"]);
    expect(chosen.status).toBe(200);
    const state = Object.fromEntries(chosen.json.models.map((m: Json) => [m.id, m.enabled]));
    expect(state).toEqual({ "stub-large": true, "stub-small": false, "org/stub-routed": false });

    const on = await desktop.enableProviderModel("stub-openai", "org/stub-routed");
    expect(on.json).toMatchObject({
      success: true,
      provider_id: "stub-openai",
      model_id: "org/stub-routed",
      enabled: true,
    });
    const off = await desktop.disableProviderModel("stub-openai", "stub-large");
    expect(off.json).toMatchObject({ model_id: "stub-large", enabled: false });

    const listed = (await desktop.listModels()).json.models.filter(
      (m: Json) => m.provider_id === "stub-openai",
    );
    expect(Object.fromEntries(listed.map((m: Json) => [m.id, m.enabled]))).toEqual({
      "stub-large": false,
      "stub-small": false,
      "org/stub-routed": true,
    });
    // The other provider of the same models keeps its own switches.
    const second = await desktop.getProviderEnabledModels("stub-openai-2");
    expect(second.json.models.every((m: Json) => m.enabled)).toBe(true);

    const unknown = await desktop.updateProviderEnabledModels("stub-openai", ["stub-large", "nope"]);
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toContain("nope");
    expect((await desktop.enableProviderModel("stub-openai", "nope")).status).toBe(404);
    expect((await desktop.getProviderEnabledModels("no-such-provider")).status).toBe(404);
  });

  it("disables and enables a provider: a disabled one is not called and its models are unavailable", async () => {
    const off = await desktop.disableProvider("stub-openai-2");
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({ success: true, provider_id: "stub-openai-2", enabled: false });
    expect((await desktop.getProvider("stub-openai-2")).json).toMatchObject({
      enabled: false,
      is_configured: false,
      reason: expect.stringContaining("disabled"),
    });
    const asked = stubs.openai.requests.length;
    const test = await desktop.testProvider("stub-openai-2");
    expect(test.json).toMatchObject({ connected: false, error: expect.stringContaining("disabled") });
    expect(stubs.openai.requests.length).toBe(asked);
    const models = (await desktop.listModels()).json.models.filter(
      (m: Json) => m.provider_id === "stub-openai-2",
    );
    expect(models.every((m: Json) => m.is_available === false)).toBe(true);

    const on = await desktop.enableProvider("stub-openai-2");
    expect(on.json).toMatchObject({ enabled: true, provider: { enabled: true, is_configured: true } });
    expect((await desktop.testProvider("stub-openai-2")).json.connected).toBe(true);

    // A built-in provider has no file to switch: a clear 409, not a 500.
    const builtin = await desktop.disableProvider("openai");
    expect(builtin.status).toBe(409);
    expect(builtin.json.code).toBe("PROVIDER_BUILTIN");
    expect((await desktop.enableProvider("no-such-provider")).status).toBe(404);
  });

  it("deletes a provider, clearing the default that named it", async () => {
    const deleted = await desktop.deleteProvider("claude-stub");
    expect(deleted.status).toBe(200);
    expect((await desktop.getProvider("claude-stub")).status).toBe(404);
    expect((await desktop.getDefaultProvider()).json).toEqual({ default_provider_id: null, provider: null });
    expect((await desktop.listProviders()).json.default_provider_id).toBeNull();
  });

  it("reports which providers have a key for onboarding, never any part of it", async () => {
    const status = await desktop.getApiKeyProviders();
    expect(status.status).toBe(200);
    const byId = Object.fromEntries(status.json.providers.map((p: Json) => [p.provider_id, p]));
    expect(byId["stub-openai"]).toEqual({
      provider_id: "stub-openai",
      provider_name: "Stub OpenAI",
      provider_type: "openai",
      has_key: true,
      key_prefix: null,
      doc_url: null,
    });
    // Built-in providers without their variable have no key; their key pages are named.
    expect(byId.openai).toMatchObject({ has_key: false, doc_url: "https://platform.openai.com/api-keys" });
    expect(byId.anthropic).toMatchObject({
      has_key: false,
      doc_url: "https://console.anthropic.com/account/keys",
    });
  });

  it("never shows a provider key in any answer", () => {
    for (const body of seen) {
      expect(body).not.toContain(OPENAI_SECRET);
      expect(body).not.toContain(CLAUDE_SECRET);
    }
  });
});
