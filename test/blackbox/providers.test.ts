import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type ListingStub, startListingStub } from "../fixtures/provider-listing-stub.js";
import { recordingLogger } from "../helpers/app.js";
import { makeTempHome, removeDir } from "../helpers/gateway-process.js";

const SECRET = "sk-blackbox-secret-5551234567";
const CLAUDE_SECRET = "sk-ant-blackbox-secret-7654321";

type Json = Record<string, unknown>;
type Model = { id: string; provider_id: string; is_available: boolean; context_window: number };

describe("providers on the real server (port 0, temporary HOME, local stub providers)", () => {
  let gw: RunningGateway;
  let home: string;
  let project: string;
  const stubs: Record<"openai" | "anthropic" | "hang" | "unauthorized", ListingStub> = {} as never;
  const recorder = recordingLogger();
  const bodies: string[] = [];

  async function call(path: string, method = "GET", body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, json: JSON.parse(text) as Json };
  }

  beforeAll(async () => {
    home = await makeTempHome();
    // Workspaces must lie inside workdir_roots, which default to HOME.
    project = join(home, "project");
    await mkdir(project);
    stubs.openai = await startListingStub({ mode: "openai", key: SECRET });
    stubs.anthropic = await startListingStub({
      mode: "anthropic",
      key: CLAUDE_SECRET,
      models: [{ id: "claude-stub-1", name: "Claude Stub 1" }],
    });
    stubs.hang = await startListingStub({ mode: "hang" });
    stubs.unauthorized = await startListingStub({ mode: "unauthorized" });
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH, STUB_KEY: SECRET },
      logger: recorder.logger,
    });
  });

  afterAll(async () => {
    await gw.close();
    await Promise.all(Object.values(stubs).map((s) => s.close()));
    await removeDir(home);
  });

  it("stores providers as YAML, with ${ENV} references kept as written", async () => {
    const created = await call("/api/providers", "POST", {
      id: "stub-openai",
      name: "Stub OpenAI",
      type: "openai-compatible",
      base_url: `${stubs.openai.url}/v1`,
      api_key: "${STUB_KEY}",
      models: [{ id: "stub-large", context_window: 65536, pricing: { input: 11, output: 22 } }],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ api_key: "${STUB_KEY}", is_configured: true });
    const file = join(home, ".viben/providers/stub-openai.yaml");
    expect(await readFile(file, "utf8")).toContain("api_key: ${STUB_KEY}");

    const claude = await call("/api/providers", "POST", {
      id: "stub-claude",
      type: "anthropic",
      base_url: stubs.anthropic.url,
      api_key: CLAUDE_SECRET,
    });
    expect(claude.status).toBe(201);
    expect(claude.json).toMatchObject({ api_key: "***", has_api_key: true });
  });

  it("tests OpenAI-style and Anthropic-style providers and lists their models", async () => {
    const openai = await call("/api/providers/stub-openai/test", "POST");
    expect(openai.status).toBe(200);
    expect(openai.json).toMatchObject({
      ok: true,
      models: [{ id: "stub-large" }, { id: "stub-small" }],
    });
    expect(stubs.openai.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);

    const claude = await call("/api/providers/stub-claude/test", "POST");
    expect(claude.json).toMatchObject({ ok: true, models: [{ id: "claude-stub-1", name: "Claude Stub 1" }] });
    expect(stubs.anthropic.requests.at(-1)?.headers).toMatchObject({
      "x-api-key": CLAUDE_SECRET,
      "anthropic-version": "2023-06-01",
    });
  });

  it("merges the remote listings into /api/models from the last check", async () => {
    const before = stubs.openai.requests.length;
    const { json } = await call("/api/models");
    const models = json.models as Model[];
    const find = (id: string) => models.find((m) => m.id === id);
    expect(find("stub-large")).toMatchObject({
      provider_id: "stub-openai",
      context_window: 65536,
      is_available: true,
    });
    expect(find("stub-small")).toMatchObject({ provider_id: "stub-openai", is_available: true });
    expect(find("claude-stub-1")).toMatchObject({ provider_id: "stub-claude", is_available: true });
    // The built-in catalogue stays, unavailable without keys.
    expect(find("gpt-5")).toMatchObject({ is_available: false });
    // Served from the remembered checks, not fetched again.
    expect(stubs.openai.requests.length).toBe(before);
  });

  it("reports a provider that hangs and one that refuses the key as ok:false", async () => {
    await call("/api/providers", "POST", {
      id: "stub-hang",
      type: "openai-compatible",
      base_url: `${stubs.hang.url}/v1`,
      models: [{ id: "hang-model" }],
    });
    await call("/api/providers", "POST", {
      id: "stub-401",
      type: "anthropic",
      base_url: stubs.unauthorized.url,
      api_key: "${STUB_KEY}",
      models: [{ id: "refused-model" }],
    });
    const started = Date.now();
    const hang = await call("/api/providers/stub-hang/test", "POST", { timeout_ms: 500 });
    expect(hang.status).toBe(200);
    expect(hang.json).toMatchObject({ ok: false, models: [], error: expect.stringMatching(/no answer/) });
    expect(Date.now() - started).toBeLessThan(5000);

    const refused = await call("/api/providers/stub-401/test", "POST");
    expect(refused.status).toBe(200);
    expect(refused.json).toMatchObject({ ok: false, status: 401, error: expect.stringMatching(/HTTP 401/) });

    const models = (await call("/api/models")).json.models as Model[];
    expect(models.find((m) => m.id === "refused-model")).toMatchObject({ is_available: false });
    expect(models.find((m) => m.id === "hang-model")).toMatchObject({ is_available: false });
    const view = await call("/api/providers/stub-401");
    expect(view.json.last_check).toMatchObject({ ok: false, status: 401 });
  });

  it("keeps workspace overrides in <workspace>/.viben/providers and hand-written keys on update", async () => {
    const ws = await call("/api/providers", "POST", {
      id: "stub-openai",
      type: "openai-compatible",
      base_url: `${stubs.openai.url}/v1`,
      api_key: "${STUB_KEY}",
      base_path: project,
    });
    expect(ws.status).toBe(201);
    const file = join(project, ".viben/providers/stub-openai.yaml");
    const listed = await call(`/api/providers?workspace_path=${encodeURIComponent(project)}`);
    const providers = listed.json.providers as Json[];
    expect(providers.filter((p) => p.id === "stub-openai")).toEqual([
      expect.objectContaining({ source: "workspace", workspace_path: project, config_path: file }),
    ]);

    await writeFile(file, `# tuned by hand\n${await readFile(file, "utf8")}org_id: org-123\n`);
    const patched = await call(
      `/api/providers/stub-openai?workspace_path=${encodeURIComponent(project)}`,
      "PATCH",
      {
        name: "Project OpenAI",
      },
    );
    expect(patched.status).toBe(200);
    const text = await readFile(file, "utf8");
    expect(text).toContain("# tuned by hand");
    expect(text).toContain("org_id: org-123");
    expect(text).toContain("name: Project OpenAI");
  });

  it("never lets a key out in a response or a log line", () => {
    const logs = JSON.stringify(recorder.lines);
    expect(recorder.lines.some((l) => l.msg === "provider check")).toBe(true);
    for (const text of [...bodies, logs]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(CLAUDE_SECRET);
    }
  });
});
