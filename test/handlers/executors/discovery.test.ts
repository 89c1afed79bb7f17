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

describe("GET /api/executors", () => {
  type Executors = { workspace_path: string; executors: Record<string, unknown>[] };
  it("lists every executor with workspace config paths", async () => {
    const { app } = createTestApp();
    const body = await json<Executors>(await app.request(`/api/executors?workspace_path=${PROJECT}`));
    expect(body.workspace_path).toBe(PROJECT);
    expect(body.executors).toHaveLength(8);
    expect(body.executors.find((e) => e.id === "CLAUDE_CODE")).toMatchObject({
      availability: { type: "LOGIN_DETECTED", last_auth_timestamp: 1770741923 },
      has_workspace_config: true,
      workspace_path: PROJECT,
      workspace_config_path: `${PROJECT}/.claude`,
      source: "workspace",
    });
    expect(body.executors.find((e) => e.id === "CODEX")).toMatchObject({
      has_workspace_config: false,
      workspace_path: HOME,
      source: "global",
    });
  });

  it("keeps only executors configured in the workspace with include_global=false", async () => {
    const { app } = createTestApp();
    const body = await json<Executors>(
      await app.request(`/api/executors?workspace_path=${PROJECT}&include_global=false`),
    );
    expect(body.executors.map((e) => e.id)).toEqual(["CLAUDE_CODE"]);
    expect(body.executors[0]?.global_config_path).toBeUndefined();
  });

  it("gets one executor, accepting the CURSOR alias", async () => {
    const { app } = createTestApp();
    expect(await json(await app.request("/api/executors/CURSOR"))).toMatchObject({ id: "CURSOR_AGENT" });
    const res = await app.request("/api/executors/VIM");
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("EXECUTOR_NOT_FOUND");
  });
});

describe("OpenAPI", () => {
  it("documents every route with its schemas and required role", async () => {
    const { app } = createTestApp();
    const doc = await json<{
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>(await app.request("/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(15);
    for (const { op } of operations) {
      expect(["public", "viewer", "operator", "admin"]).toContain(op["x-required-role"]);
      expect(op.responses).toBeTypeOf("object");
    }
    expect(doc.paths["/api/agent"]?.post?.requestBody).toBeTruthy();
    // Liveness only: the seed's /health and the Ryvos web UI's spelling of it.
    expect(operations.filter((o) => o.op["x-required-role"] === "public").map((o) => o.path)).toEqual([
      "/health",
      "/api/health",
    ]);
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/openapi.json");
  });
});
