import { describe, expect, it } from "vitest";
import { createTestApp, HOME, json, PROJECT } from "../../helpers/app.js";

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
    // Liveness (the seed's /health and the Ryvos web UI's spelling of it), and two routes whose callers
    // prove themselves otherwise: the MCP endpoint (a run's own token) and channel intake (the platform's
    // request signature), and the OAuth callback (a browser carries no key; the one-time state is its proof).
    expect(
      operations
        .filter((o) => o.op["x-required-role"] === "public")
        .map((o) => o.path)
        .sort(),
    ).toEqual([
      "/api/channels/{name}/events",
      "/api/health",
      "/api/oauth/callback",
      "/health",
      "/mcp",
      "/oauth/callback",
    ]);
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/openapi.json");
  });
});
