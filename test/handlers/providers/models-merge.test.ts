import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderCheck, ProviderChecker } from "../../../handlers/capabilities/providers.js";
import { createProviderChecker } from "../../../runtime/providers/checker.js";
import type { ResolvedProvider } from "../../../storage/provider-types.js";
import { type ListingStub, startListingStub } from "../../fixtures/provider-listing-stub.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Model = {
  id: string;
  name: string;
  provider_id: string;
  provider_name: string;
  context_window: number;
  pricing?: { input: number; output: number; cache_read?: number; cache_write?: number };
  is_available: boolean;
  has_workspace_override: boolean;
  source: string;
  workspace_path: string;
};
type Models = { workspace_path: string; models: Model[]; total: number };

/** A checker with fixed answers per provider id, counting what it was asked. */
function fakeChecker(answers: Record<string, Partial<ProviderCheck>>) {
  const asked: string[] = [];
  const answer = (provider: ResolvedProvider): ProviderCheck | undefined => {
    const found = answers[provider.id];
    return found
      ? { ok: true, latency_ms: 1, models: [], checked_at: "2026-01-01T00:00:00.000Z", ...found }
      : undefined;
  };
  const checker: ProviderChecker = {
    check: async (p) => answer(p) ?? { ok: false, latency_ms: 0, models: [], checked_at: "x" },
    last: (p) => answer(p),
    listing: async (p) => {
      asked.push(p.id);
      return answer(p);
    },
  };
  return { checker, asked };
}

const post = (body: unknown) => jsonRequest("POST", body);
const byId = (models: Model[], id: string, provider?: string) =>
  models.find((m) => m.id === id && (!provider || m.provider_id === provider));

describe("/api/models with provider catalogues", () => {
  it("lists the models of provider files with their context windows and prices", async () => {
    const { app } = createTestApp({ env: { BOX_KEY: "k" } });
    await app.request(
      "/api/providers",
      post({
        id: "box",
        name: "GPU Box",
        type: "openai-compatible",
        base_url: "http://box.lan:8000/v1",
        api_key: "${BOX_KEY}",
        models: [
          { id: "qwen3-32b", name: "Qwen3 32B", context_window: 32768, pricing: { input: 10, output: 20 } },
          { id: "gpt-4o" },
        ],
      }),
    );
    await app.request(
      "/api/providers",
      post({
        id: "dark",
        type: "openai-compatible",
        base_url: "http://x/v1",
        api_key: "${UNSET}",
        models: [{ id: "m" }],
      }),
    );
    const { models } = await json<Models>(await app.request("/api/models"));
    expect(byId(models, "qwen3-32b")).toEqual({
      id: "qwen3-32b",
      name: "Qwen3 32B",
      provider_id: "box",
      provider_name: "GPU Box",
      provider_type: "openai-compatible",
      context_window: 32768,
      pricing: { input: 10, output: 20 },
      is_available: true,
      enabled: true,
      is_default: false,
      has_workspace_override: false,
      source: "global",
      workspace_path: HOME,
    });
    // A model the built-in catalogue knows takes its window and prices from there.
    expect(byId(models, "gpt-4o", "box")).toMatchObject({ context_window: 128000, pricing: { input: 250 } });
    expect(byId(models, "gpt-4o", "openai")).toMatchObject({ source: "builtin", is_available: false });
    expect(byId(models, "m", "dark")).toMatchObject({ is_available: false });
  });

  it("adds remote listings and marks a provider whose last check failed as unavailable", async () => {
    const { checker, asked } = fakeChecker({
      up: { models: [{ id: "remote-1", name: "Remote One" }, { id: "listed-too" }] },
      down: { ok: false, error: "HTTP 500", models: [] },
    });
    const { app } = createTestApp({ env: { ANTHROPIC_API_KEY: "sk" }, providerChecks: checker });
    const base = { type: "openai-compatible", base_url: "http://h/v1" };
    await app.request(
      "/api/providers",
      post({ id: "up", ...base, models: [{ id: "listed-too", context_window: 4096 }] }),
    );
    await app.request("/api/providers", post({ id: "down", ...base, models: [{ id: "d1" }] }));
    const { models } = await json<Models>(await app.request("/api/models"));
    expect(byId(models, "remote-1")).toMatchObject({
      name: "Remote One",
      provider_id: "up",
      is_available: true,
    });
    // The file's entry wins over the remote one for the same model.
    expect(models.filter((m) => m.id === "listed-too")).toEqual([
      expect.objectContaining({ context_window: 4096, is_available: true }),
    ]);
    expect(byId(models, "d1")).toMatchObject({ is_available: false });
    expect(byId(models, "claude-sonnet-4-5")).toMatchObject({ is_available: true });
    // Only configured providers are asked (the built-in anthropic one here, not openai without a key).
    expect(asked.sort()).toEqual(["anthropic", "down", "up"]);
  });

  it("lets models.yaml rename, price and hide provider models, and the workspace override them", async () => {
    const { app, scopes } = createTestApp({
      providerChecks: fakeChecker({ box: { models: [{ id: "hidden" }] } }).checker,
    });
    await app.request(
      "/api/providers",
      post({
        id: "box",
        type: "openai-compatible",
        base_url: "http://h/v1",
        models: [{ id: "m1", context_window: 8000, pricing: { input: 5, output: 6 } }],
      }),
    );
    await app.request(
      "/api/providers",
      post({
        id: "ws-box",
        type: "openai-compatible",
        base_url: "http://h/v1",
        base_path: PROJECT,
        models: [{ id: "w1" }],
      }),
    );
    await scopes
      .global()
      .store.writeRaw(
        "models.yaml",
        "models:\n  - id: m1\n    name: Model One\n    pricing: { input: 1, output: 2 }\n  - id: hidden\n    disabled: true\n",
      );
    await scopes
      .workspace(PROJECT)
      .store.writeRaw("models.yaml", "models:\n  - id: m1\n    context_window: 999\n");

    const global = await json<Models>(await app.request("/api/models"));
    expect(global.models.map((m) => m.id)).toEqual(["m1"]);
    // models.yaml names no provider: the provider file that lists the model supplies it and its window.
    expect(global.models[0]).toMatchObject({
      name: "Model One",
      provider_id: "box",
      context_window: 8000,
      pricing: { input: 1, output: 2 },
      source: "global",
      is_available: true,
    });

    const ws = await json<Models>(await app.request(`/api/models?workspace_path=${PROJECT}`));
    expect(ws.models.map((m) => [m.id, m.source, m.has_workspace_override, m.workspace_path])).toEqual([
      ["m1", "workspace", true, PROJECT],
      ["w1", "workspace", true, PROJECT],
    ]);
    expect(ws.models[0]).toMatchObject({ name: "Model One", context_window: 999, pricing: { input: 1 } });

    const only = await json<Models>(
      await app.request(`/api/models?workspace_path=${PROJECT}&include_global=false`),
    );
    expect(only.models.map((m) => m.id)).toEqual(["w1", "m1"]);
  });

  describe("with a provider that does not answer", () => {
    let hang: ListingStub;
    beforeAll(async () => {
      hang = await startListingStub({ mode: "hang" });
    });
    afterAll(async () => {
      await hang.close();
    });

    it("answers without waiting for it, then remembers the failure", async () => {
      // The provider never answers and the check's own timeout is far off, so an answer at all shows the
      // listing did not wait for it (however long the request took on this machine).
      const checker = createProviderChecker({ timeoutMs: 60_000, listingWaitMs: 100 });
      const { app } = createTestApp({ providerChecks: checker });
      await app.request(
        "/api/providers",
        post({ id: "slow", type: "openai-compatible", base_url: `${hang.url}/v1`, models: [{ id: "s1" }] }),
      );
      const first = await json<Models>(await app.request("/api/models"));
      expect(byId(first.models, "s1")).toMatchObject({ is_available: true });
      await expect.poll(() => hang.requests.length).toBe(1);
      // The provider drops the connection: the check fails, and later listings remember it.
      await hang.close();
      await expect
        .poll(async () => byId((await json<Models>(await app.request("/api/models"))).models, "s1"))
        .toMatchObject({ is_available: false });
      expect(hang.requests.length).toBe(1);
    });
  });
});

describe("findPricing", () => {
  it("prefers models.yaml, then provider files, then the built-in catalogue", async () => {
    // Imported once the app is loaded: zod schemas made before @hono/zod-openapi extends zod lack .openapi().
    const { findPricing } = await import("../../../storage/models.js");
    const { app, scopes } = createTestApp();
    const global = scopes.global();
    const workspace = scopes.workspace(PROJECT);
    await app.request(
      "/api/providers",
      post({
        id: "box",
        type: "openai-compatible",
        base_url: "http://h/v1",
        models: [
          { id: "gpt-4o", pricing: { input: 1, output: 1 } },
          { id: "own", pricing: { input: 3, output: 4, cache_read: 1 } },
        ],
      }),
    );
    expect(await findPricing("gpt-5", { global })).toEqual({ input: 125, output: 1000, cache_read: 12.5 });
    expect(await findPricing("own", { global })).toEqual({ input: 3, output: 4, cache_read: 1 });
    expect(await findPricing("gpt-4o", { global })).toEqual({ input: 1, output: 1 });
    // Tied to another provider, the file's price does not apply.
    expect(await findPricing("gpt-4o", { global, providerId: "openai" })).toMatchObject({ input: 250 });
    expect(await findPricing("unknown-model", { global })).toBeUndefined();

    await global.store.writeRaw(
      "models.yaml",
      "models:\n  - id: own\n    pricing: { input: 7, output: 8 }\n",
    );
    expect(await findPricing("own", { global })).toEqual({ input: 7, output: 8 });
    await workspace.store.writeRaw(
      "models.yaml",
      "models:\n  - id: own\n    pricing: { input: 9, output: 9 }\n",
    );
    expect(await findPricing("own", { global, workspace })).toEqual({ input: 9, output: 9 });
    expect(await findPricing("own", { global, workspace: global })).toEqual({ input: 7, output: 8 });

    // A broken hand-edited file is skipped rather than failing the accounting.
    await global.store.writeRaw("models.yaml", "models:\n  - name: no id\n");
    expect(await findPricing("own", { global })).toEqual({ input: 3, output: 4, cache_read: 1 });
  });
});
