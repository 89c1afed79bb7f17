import { describe, expect, it } from "vitest";
import type { McpConfigService, McpTestOutcome } from "../../../handlers/capabilities/mcp-config.js";
import { mcpServerConfigs } from "../../../storage/agents.js";
import { createTestApp, jsonRequest, PROJECT } from "../../helpers/app.js";

// biome-ignore lint/suspicious/noExplicitAny: answers of many shapes, read field by field
type Json = Record<string, any>;

const SECRET = "sk-handler-secret-123456";

async function call(
  app: ReturnType<typeof createTestApp>["app"],
  path: string,
  method = "GET",
  body?: unknown,
) {
  const res = await app.request(path, body === undefined ? { method } : jsonRequest(method, body));
  const text = await res.text();
  expect(text).not.toContain(SECRET);
  return { status: res.status, body: JSON.parse(text) as Json };
}

/** A capability whose test answers what the case needs; the file routes are not used here. */
function fakeMcp(outcome: McpTestOutcome, seen: unknown[] = []): McpConfigService {
  const unused = async (): Promise<never> => {
    throw new Error("not used");
  };
  return {
    listExecutorServers: unused,
    addExecutorServer: unused,
    updateExecutorServer: unused,
    removeExecutorServer: unused,
    test: async (request) => {
      seen.push(request);
      return outcome;
    },
  };
}

describe("/api/mcp/servers: the gateway's own MCP servers per scope", () => {
  it("adds, lists with the workspace first, masks secrets, patches, switches and removes", async () => {
    const { app, scopes } = createTestApp();
    const global = await call(app, "/api/mcp/servers", "POST", {
      name: "files",
      command: "npx",
      args: ["-y", "server-files"],
      env: { TOKEN: SECRET, HOME_DIR: "${HOME}" },
    });
    expect(global.status).toBe(201);
    expect(global.body).toMatchObject({
      name: "files",
      type: "stdio",
      source: "global",
      enabled: true,
      env: { TOKEN: "***", HOME_DIR: "${HOME}" },
      server: { name: "files" },
    });
    // Viben's wrapped form, into the workspace given.
    const local = await call(app, `/api/mcp/servers?workspace_path=${PROJECT}`, "POST", {
      server: {
        name: "files",
        url: "http://127.0.0.1:9/mcp",
        headers: { Authorization: `Bearer ${SECRET}` },
      },
    });
    expect(local.status).toBe(201);
    expect(local.body).toMatchObject({
      source: "workspace",
      type: "http",
      headers: { Authorization: "***" },
    });

    const merged = await call(app, `/api/mcp/servers?workspace_path=${PROJECT}`);
    expect(merged.body.total).toBe(1);
    expect(merged.body.servers[0]).toMatchObject({
      name: "files",
      source: "workspace",
      workspace_path: PROJECT,
    });
    expect((await call(app, "/api/mcp/servers")).body.servers[0]).toMatchObject({ source: "global" });

    const patched = await call(app, "/api/mcp/servers/files?scope=global", "PATCH", {
      args: ["-y", "server-files", "/data"],
      // env is replaced as a whole: HOME_DIR goes, the masked TOKEN keeps its stored value.
      env: { TOKEN: "***" },
    });
    expect(patched.status).toBe(200);
    const stored = await scopes.global().store.read("mcp-servers.yaml");
    expect(stored?.data).toMatchObject({
      servers: { files: { args: ["-y", "server-files", "/data"], env: { TOKEN: SECRET } } },
    });
    expect((stored?.data as Json | undefined)?.servers.files.env).not.toHaveProperty("HOME_DIR");

    const off = await call(app, "/api/mcp/servers/files/disable?scope=global", "POST");
    expect(off.body).toMatchObject({ enabled: false });
    expect((await call(app, "/api/mcp/servers/files")).body).toMatchObject({
      enabled: false,
      source: "global",
    });
    expect((await call(app, "/api/mcp/servers/files/enable?scope=global", "POST")).body.enabled).toBe(true);

    expect((await call(app, "/api/mcp/servers/files?scope=global", "DELETE")).body).toEqual({
      success: true,
      deleted: "files",
    });
    expect((await call(app, "/api/mcp/servers/files?scope=global", "DELETE")).status).toBe(404);
  });

  it("refuses bad input with a 4xx naming the field", async () => {
    const { app } = createTestApp();
    const cases: [unknown, number, string][] = [
      [{ command: "x" }, 400, "name"],
      [{ name: "a/b", command: "x" }, 400, "name"],
      [{ name: "a" }, 400, "command"],
      [{ name: "a", url: "ftp://example.com" }, 400, "url"],
      [{ name: "a", url: "not a url" }, 400, "url"],
      [{ name: "a", command: "x", env: { K: 1 } }, 400, "env"],
      [{ name: "a", command: "x", env: { K: "***" } }, 400, "env.K"],
    ];
    for (const [body, status, field] of cases) {
      const answer = await call(app, "/api/mcp/servers", "POST", body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error, JSON.stringify(body)).toContain(field);
    }
    await call(app, "/api/mcp/servers", "POST", { name: "a", command: "x" });
    expect((await call(app, "/api/mcp/servers", "POST", { name: "a", command: "y" })).status).toBe(409);
    expect(
      (await call(app, "/api/mcp/servers?scope=workspace", "POST", { name: "b", command: "y" })).status,
    ).toBe(400);
    expect((await call(app, "/api/mcp/servers/missing")).status).toBe(404);
  });
});

describe("/api/mcp/agents/{agentId}/servers: an agent's own MCP servers", () => {
  it("adds, lists, patches, disables (kept but not given to runs) and removes", async () => {
    const { app, scopes } = createTestApp();
    expect((await app.request("/api/agent", jsonRequest("POST", { name: "Coder" }))).status).toBe(201);
    const added = await call(app, "/api/mcp/agents/coder/servers", "POST", {
      name: "search",
      command: "search-mcp",
      env: { KEY: SECRET },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ agentId: "coder", server: { name: "search", env: { KEY: "***" } } });
    expect(
      (await call(app, "/api/mcp/agents/coder/servers", "POST", { name: "search", command: "x" })).status,
    ).toBe(409);

    const listed = await call(app, "/api/mcp/agents/coder/servers");
    expect(listed.body).toMatchObject({
      agentId: "coder",
      total: 1,
      servers: [{ name: "search", enabled: true }],
    });

    await call(app, "/api/mcp/agents/coder/servers/search", "PATCH", {
      args: ["--fast"],
      env: { KEY: "***" },
    });
    expect((await call(app, "/api/mcp/agents/coder/servers/search/disable", "POST")).body).toEqual({
      agentId: "coder",
      agent_id: "coder",
      name: "search",
      enabled: false,
    });
    const config = (await scopes.global().store.read("agents:coder:config.yaml"))?.data as Json;
    expect(config.mcp_servers.search).toMatchObject({
      command: "search-mcp",
      args: ["--fast"],
      enabled: false,
    });
    expect(config.mcp_servers.search.env.KEY).toBe(SECRET);
    // A disabled server is not handed to the executor.
    expect(mcpServerConfigs(config)).toEqual({});

    expect((await call(app, "/api/mcp/agents/coder/servers/search", "DELETE")).body).toMatchObject({
      deleted: "search",
    });
    expect((await call(app, "/api/mcp/agents/coder/servers")).body.total).toBe(0);
    expect((await call(app, "/api/mcp/agents/nobody/servers")).status).toBe(404);
  });

  it("keeps Viben's list form of mcp_servers a list", async () => {
    const { app, scopes } = createTestApp();
    await app.request("/api/agent", jsonRequest("POST", { name: "Listed", mcp_servers: ["shared-server"] }));
    await call(app, "/api/mcp/agents/listed/servers", "POST", { name: "own", command: "own-mcp" });
    const config = (await scopes.global().store.read("agents:listed:config.yaml"))?.data as Json;
    expect(config.mcp_servers).toEqual(["shared-server", { name: "own", command: "own-mcp" }]);
    expect((await call(app, "/api/mcp/agents/listed/servers")).body).toMatchObject({
      references: ["shared-server"],
      servers: [{ name: "own" }],
    });
  });
});

describe("/api/mcp live tests and executor files", () => {
  it("answer 501 where the runtime cannot start processes or edit executors' files", async () => {
    const { app } = createTestApp();
    const test = await call(app, "/api/mcp/test", "POST", { command: "x" });
    expect(test.status).toBe(501);
    expect(test.body.code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    expect((await call(app, "/api/mcp/executors/CODEX/servers")).status).toBe(501);
    expect((await call(app, "/api/mcp/executors/NOPE/servers")).status).toBe(400);
  });

  it("map a server that fails to 502 and one that does not answer to 504, with the envelope", async () => {
    const failing = createTestApp({
      extend: () => ({
        mcpConfig: fakeMcp({ ok: false, reason: "UNREACHABLE", error: "spawn ENOENT", stderr: "x" }),
      }),
    });
    const failed = await call(failing.app, "/api/mcp/test", "POST", { name: "a", command: "missing" });
    expect(failed.status).toBe(502);
    expect(failed.body).toMatchObject({
      code: "MCP_SERVER_UNREACHABLE",
      error: "spawn ENOENT",
      details: { name: "a", stderr: "x" },
    });

    const seen: Json[] = [];
    const slow = createTestApp({
      extend: () => ({ mcpConfig: fakeMcp({ ok: false, reason: "TIMEOUT", error: "no answer" }, seen) }),
    });
    await call(slow.app, "/api/mcp/servers", "POST", { name: "s", command: "s", env: { K: SECRET } });
    const timedOut = await call(slow.app, "/api/mcp/servers/s/test?timeout_ms=250", "POST");
    expect(timedOut.status).toBe(504);
    expect(timedOut.body).toMatchObject({ code: "MCP_TEST_TIMEOUT", details: { timeout_ms: 250 } });
    // The test gets the stored server, secrets and all.
    expect(seen[0]).toMatchObject({ name: "s", timeoutMs: 250, server: { env: { K: SECRET } } });
    expect((await call(slow.app, "/api/mcp/servers/s/test?timeout_ms=5", "POST")).status).toBe(400);
  });
});
