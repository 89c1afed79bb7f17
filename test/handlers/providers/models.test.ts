import { describe, expect, it } from "vitest";
import { createTestApp, HOME, json, PROJECT } from "../../helpers/app.js";

type Model = {
  id: string;
  is_available: boolean;
  has_workspace_override: boolean;
  workspace_path: string;
  source: string;
};
type Models = { workspace_path: string; models: Model[]; total: number };

describe("GET /api/models", () => {
  it("serves the built-in catalogue when models.yaml is absent, available by provider key", async () => {
    const { app } = createTestApp({ env: { ANTHROPIC_API_KEY: "sk" } });
    const body = await json<Models>(await app.request("/api/models"));
    expect(body.workspace_path).toBe(HOME);
    expect(body.total).toBe(body.models.length);
    const sonnet = body.models.find((m) => m.id === "claude-3-5-sonnet-20241022");
    expect(sonnet).toMatchObject({
      name: "Claude 3.5 Sonnet",
      provider_id: "anthropic",
      context_window: 200000,
      is_available: true,
      has_workspace_override: false,
      source: "builtin",
      workspace_path: HOME,
    });
    expect(body.models.find((m) => m.id === "gpt-5")?.is_available).toBe(false);
  });

  it("uses the global models.yaml, a configured provider file, and workspace overrides", async () => {
    const { app, scopes } = createTestApp();
    await scopes
      .global()
      .store.writeRaw(
        "models.yaml",
        "models:\n  - id: local-llama\n    name: Local Llama\n    provider_id: ollama-box\n    context_window: 8192\n  - id: gpt-5\n",
      );
    await scopes
      .global()
      .store.writeRaw(
        "providers:ollama-box.yaml",
        "name: My Ollama\ntype: openai-compatible\nbase_url: http://127.0.0.1:11434/v1\n",
      );
    await scopes
      .workspace(PROJECT)
      .store.writeRaw(
        "models.yaml",
        "models:\n  - id: gpt-5\n    context_window: 1000\n  - id: project-model\n    provider_id: openai\n    context_window: 4096\n",
      );
    const global = await json<Models>(await app.request("/api/models"));
    expect(global.models.map((m) => m.id)).toEqual(["local-llama", "gpt-5"]);
    expect(global.models[0]).toMatchObject({
      provider_name: "My Ollama",
      is_available: true,
      source: "global",
    });
    expect(global.models[1]).toMatchObject({ name: "GPT-5", context_window: 400000, is_available: false });

    const ws = await json<Models>(await app.request(`/api/models?workspace_path=${PROJECT}`));
    expect(ws.workspace_path).toBe(PROJECT);
    expect(ws.models.map((m) => [m.id, m.has_workspace_override, m.workspace_path])).toEqual([
      ["local-llama", false, HOME],
      ["gpt-5", true, PROJECT],
      ["project-model", true, PROJECT],
    ]);
    expect(ws.models[1]).toMatchObject({ context_window: 1000, name: "GPT-5" });

    const only = await json<Models>(
      await app.request(`/api/models?workspace_path=${PROJECT}&include_global=false`),
    );
    expect(only.models.map((m) => m.id)).toEqual(["gpt-5", "project-model"]);
  });

  it("answers 422 naming the file when models.yaml is broken", async () => {
    const { app, scopes } = createTestApp();
    await scopes.global().store.writeRaw("models.yaml", "models:\n  - name: no id\n");
    const res = await app.request("/api/models");
    expect(res.status).toBe(422);
    expect((await json(res)).error).toMatch(/models\.yaml.*id/);
  });
});
