// Follows Viben's desktop client, LinXueyuanStdio/viben apps/desktop/src/lib/gateway/modules/models.ts
// (listModels, getModel, getDefaultModel, setDefaultModel, enableModel, disableModel: method, path,
// headers and body as it sends them) and apps/desktop/src/lib/gateway/types/model.ts (ModelResponse, DefaultModelResponse), with the
// answers of its server, packages/core/src/gateway/routes/models.ts (GET /api/models answers
// `{workspace_path, models, total, default_model_id}`, not the bare array the desktop's type claims;
// `provider_id` in the query disambiguates a model id several providers offer).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type ListingStub, startListingStub } from "../fixtures/provider-listing-stub.js";
import { makeTempHome, removeDir } from "../helpers/gateway-process.js";

const SECRET = "sk-compat-models-9191919191";
const OPENAI_ENV_SECRET = "sk-compat-env-openai-8080808080";

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field as the desktop reads them
type Json = Record<string, any>;

/** The desktop's models module, transcribed; `query` carries the server's `provider_id` where needed. */
function desktopClient(baseUrl: string, seen: string[]) {
  const send = async (path: string, init: RequestInit) => {
    const res = await fetch(`${baseUrl}${path}`, init);
    const text = await res.text();
    seen.push(text);
    return { status: res.status, json: text ? (JSON.parse(text) as Json) : {} };
  };
  const accept = { Accept: "application/json" };
  const enc = encodeURIComponent;
  const qs = (query?: Record<string, string>) => (query ? `?${new URLSearchParams(query)}` : "");
  return {
    listModels: () => send("/api/models", { method: "GET", headers: accept }),
    getModel: (id: string, query?: Record<string, string>) =>
      send(`/api/models/${enc(id)}${qs(query)}`, { method: "GET", headers: accept }),
    getDefaultModel: () => send("/api/models/default", { method: "GET", headers: accept }),
    setDefaultModel: (modelId: string, extra: Json = {}) =>
      send("/api/models/default", {
        method: "PUT",
        headers: { "Content-Type": "application/json", ...accept },
        body: JSON.stringify({ model_id: modelId, ...extra }),
      }),
    enableModel: (id: string, query?: Record<string, string>) =>
      send(`/api/models/${enc(id)}/enable${qs(query)}`, { method: "POST", headers: accept }),
    disableModel: (id: string, query?: Record<string, string>) =>
      send(`/api/models/${enc(id)}/disable${qs(query)}`, { method: "POST", headers: accept }),
    createProvider: (body: Json) =>
      send("/api/providers", {
        method: "POST",
        headers: { "Content-Type": "application/json", ...accept },
        body: JSON.stringify(body),
      }),
  };
}

describe("Viben desktop model management against the real gateway", () => {
  let gw: RunningGateway;
  let home: string;
  let stub: ListingStub;
  let desktop: ReturnType<typeof desktopClient>;
  const seen: string[] = [];

  beforeAll(async () => {
    home = await makeTempHome();
    stub = await startListingStub({
      mode: "openai",
      key: SECRET,
      // gpt-4o is offered by the built-in OpenAI provider too: an ambiguous id.
      models: [{ id: "gpt-4o" }, { id: "stub-coder" }, { id: "team/stub-routed" }],
    });
    // The built-in OpenAI provider is configured by its variable, pointed at the stub as well.
    gw = await startGateway({
      port: 0,
      env: {
        HOME: home,
        PATH: process.env.PATH,
        VIBEN_LOG_LEVEL: "warn",
        OPENAI_API_KEY: OPENAI_ENV_SECRET,
        OPENAI_BASE_URL: `${stub.url}/v1`,
      },
    });
    desktop = desktopClient(gw.url, seen);
    const created = await desktop.createProvider({
      type: "openai-compatible",
      name: "Stub Box",
      api_key: SECRET,
      base_url: `${stub.url}/v1`,
    });
    expect(created.status).toBe(201);
    // The desktop tests a provider after adding it; the answer is what /api/models lists from then on
    // (without it, a listing waits only briefly for the provider).
    const tested = await fetch(`${gw.url}/api/providers/stub-box/test`, { method: "POST" });
    expect(((await tested.json()) as Json).connected).toBe(true);
  });

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await removeDir(home);
  });

  it("lists models with provider_type, enabled, is_default and default_model_id", async () => {
    const list = await desktop.listModels();
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ workspace_path: home, default_model_id: null });
    expect(list.json.total).toBe(list.json.models.length);
    const coder = list.json.models.find((m: Json) => m.id === "stub-coder");
    expect(coder).toMatchObject({
      name: "stub-coder",
      provider_id: "stub-box",
      provider_name: "Stub Box",
      provider_type: "openai-compatible",
      is_default: false,
      enabled: true,
      is_available: true,
    });
    const claude = list.json.models.find((m: Json) => m.id === "claude-sonnet-4-5");
    // Anthropic has no key in this environment: listed, switched on, unavailable.
    expect(claude).toMatchObject({ provider_type: "anthropic", enabled: true, is_available: false });
  });

  it("gets one model (404 when unknown, 400 when several providers offer the id)", async () => {
    const coder = await desktop.getModel("stub-coder");
    expect(coder.status).toBe(200);
    expect(coder.json).toMatchObject({ id: "stub-coder", provider_id: "stub-box" });
    // Ids with `:` and `/`, percent-encoded as the desktop's encodeURIComponent does.
    expect((await desktop.getModel("llama3.1:8b")).json).toMatchObject({ provider_id: "ollama" });
    expect((await desktop.getModel("team/stub-routed")).json).toMatchObject({ provider_id: "stub-box" });

    const unknown = await desktop.getModel("no-such-model");
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe("MODEL_NOT_FOUND");

    const ambiguous = await desktop.getModel("gpt-4o");
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error).toContain("provider_id");
    expect(ambiguous.json.details.provider_ids).toEqual(expect.arrayContaining(["openai", "stub-box"]));
    const scoped = await desktop.getModel("gpt-4o", { provider_id: "stub-box" });
    expect(scoped.json).toMatchObject({ id: "gpt-4o", provider_id: "stub-box", context_window: 128000 });
  });

  it("sets and reads the default model", async () => {
    expect((await desktop.getDefaultModel()).json).toMatchObject({ default_model_id: null });

    const set = await desktop.setDefaultModel("stub-coder");
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      success: true,
      default_model_id: "stub-coder",
      provider_id: "stub-box",
      model: { id: "stub-coder", is_default: true },
    });
    expect((await desktop.getDefaultModel()).json).toMatchObject({
      default_model_id: "stub-coder",
      provider_id: "stub-box",
      model: { id: "stub-coder", is_default: true },
    });
    const list = await desktop.listModels();
    expect(list.json.default_model_id).toBe("stub-coder");
    expect(list.json.models.filter((m: Json) => m.is_default).map((m: Json) => m.id)).toEqual(["stub-coder"]);
    const config = await readFile(join(home, ".viben/config.yaml"), "utf8");
    expect(config).toContain("default_model: stub-coder");

    // The id several providers offer needs its provider, as for getModel.
    expect((await desktop.setDefaultModel("gpt-4o")).status).toBe(400);
    const scoped = await desktop.setDefaultModel("gpt-4o", { provider_id: "openai" });
    expect(scoped.json).toMatchObject({ default_model_id: "gpt-4o", provider_id: "openai" });
    const after = (await desktop.listModels()).json.models.filter((m: Json) => m.is_default);
    expect(after.map((m: Json) => `${m.provider_id}/${m.id}`)).toEqual(["openai/gpt-4o"]);

    const unknown = await desktop.setDefaultModel("no-such-model");
    expect(unknown.status).toBe(404);
    const empty = await desktop.setDefaultModel("");
    expect(empty.status).toBe(400);
    expect(empty.json.error).toContain("model_id");
    // A refused change leaves the default as it was.
    expect((await desktop.getDefaultModel()).json.default_model_id).toBe("gpt-4o");
  });

  it("disables and enables a model: it stays listed with enabled false", async () => {
    const off = await desktop.disableModel("stub-coder");
    expect(off.status).toBe(200);
    expect(off.json).toMatchObject({
      success: true,
      provider_id: "stub-box",
      model_id: "stub-coder",
      enabled: false,
    });
    const listed = (await desktop.listModels()).json.models.find((m: Json) => m.id === "stub-coder");
    expect(listed).toMatchObject({ enabled: false, is_available: true });
    expect((await desktop.getModel("stub-coder")).json.enabled).toBe(false);

    // Switching one provider's gpt-4o off leaves the other's on.
    expect((await desktop.disableModel("gpt-4o")).status).toBe(400);
    const scoped = await desktop.disableModel("gpt-4o", { provider_id: "stub-box" });
    expect(scoped.json).toMatchObject({ provider_id: "stub-box", enabled: false });
    expect((await desktop.getModel("gpt-4o", { provider_id: "openai" })).json.enabled).toBe(true);

    const on = await desktop.enableModel("stub-coder");
    expect(on.json).toMatchObject({ model_id: "stub-coder", enabled: true });
    expect((await desktop.getModel("stub-coder")).json.enabled).toBe(true);
    expect((await desktop.enableModel("no-such-model")).status).toBe(404);
  });

  it("never shows a provider key in any answer", () => {
    for (const body of seen) {
      expect(body).not.toContain(SECRET);
      expect(body).not.toContain(OPENAI_ENV_SECRET);
    }
  });
});
