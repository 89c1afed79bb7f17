import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Agent = Record<string, unknown> & { id: string; source: string; workspace_path: string };
type AgentList = { workspace_path: string; agents: Agent[]; total: number };

async function create(app: ReturnType<typeof createTestApp>["app"], body: Record<string, unknown>) {
  const res = await app.request("/api/agent", jsonRequest("POST", body));
  return { status: res.status, body: await json<Agent>(res) };
}

describe("agent CRUD", () => {
  it("derives the id from the name, keeps Unicode names and answers the resource itself", async () => {
    const { app } = createTestApp();
    const mine = await create(app, { name: "My Agent", model: "claude-sonnet-4-5", temperature: 0.2 });
    expect(mine.status).toBe(201);
    expect(mine.body).toMatchObject({ id: "my-agent", name: "My Agent", source: "global", temperature: 0.2 });
    expect(mine.body.config_path).toBe(`${HOME}/.viben/agents/my-agent/config.yaml`);

    const unicode = await create(app, { name: "本地助手" });
    expect(unicode.body).toMatchObject({ id: "本地助手", name: "本地助手", agent_type: "viben" });
    const got = await app.request(`/api/agent/${encodeURIComponent("本地助手")}`);
    expect(got.status).toBe(200);
    expect((await json<Agent>(got)).name).toBe("本地助手");
  });

  it("makes derived ids unique but refuses an explicit id that exists", async () => {
    const { app } = createTestApp();
    expect((await create(app, { name: "Helper" })).body.id).toBe("helper");
    expect((await create(app, { name: "Helper" })).body.id).toBe("helper-2");
    const clash = await create(app, { name: "Other", id: "helper" });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ code: "AGENT_EXISTS" });
  });

  it("stores in the workspace named by base_path", async () => {
    const { app } = createTestApp();
    const res = await create(app, { name: "Project Helper", base_path: PROJECT, executor_type: "CURSOR" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      source: "workspace",
      workspace_path: PROJECT,
      config_path: `${PROJECT}/.viben/agents/project-helper/config.yaml`,
      agent_type: "cursor_agent",
    });
    // Found with the workspace, not without it.
    expect((await app.request("/api/agent/project-helper")).status).toBe(404);
    const found = await app.request(`/api/agent/project-helper?workspace_path=${PROJECT}`);
    expect(found.status).toBe(200);
  });

  it("creates from a template, the body winning over the template", async () => {
    const { app } = createTestApp();
    const res = await create(app, { name: "Reviewer", from_template: "code-reviewer", model: "opus" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ executor_type: "CLAUDE_CODE", permission_mode: "plan", model: "opus" });
    const missing = await create(app, { name: "X", from_template: "nope" });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("TEMPLATE_NOT_FOUND");
  });

  it("patches fields, removes fields set to null and keeps keys written by hand", async () => {
    const { app, scopes } = createTestApp();
    await create(app, { name: "Editable", description: "old", model: "m1" });
    const key = "agents:editable:config.yaml";
    const text = await scopes.global().store.readRaw(key);
    await scopes.global().store.writeRaw(key, `# my notes\n${text}custom_flag: true\nextra:\n  nested: 1\n`);

    const res = await app.request(
      "/api/agent/editable",
      jsonRequest("PATCH", { description: "new", model: null }),
    );
    expect(res.status).toBe(200);
    const body = await json<Agent>(res);
    expect(body.description).toBe("new");
    expect(body.model).toBeUndefined();

    const stored = (await scopes.global().store.readRaw(key)) ?? "";
    expect(stored).toContain("# my notes");
    expect(parse(stored)).toMatchObject({ custom_flag: true, extra: { nested: 1 }, description: "new" });
    expect(parse(stored).model).toBeUndefined();
  });

  it("deletes an agent", async () => {
    const { app } = createTestApp();
    await create(app, { name: "Gone" });
    const del = await app.request("/api/agent/gone", { method: "DELETE" });
    expect(del.status).toBe(200);
    expect((await app.request("/api/agent/gone")).status).toBe(404);
    expect((await app.request("/api/agent/gone", { method: "DELETE" })).status).toBe(404);
  });

  it("answers executor ids as executor agents", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/agent/CLAUDE_CODE");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      id: "CLAUDE_CODE",
      type: "executor",
      is_available: true,
      availability: { available: true, reason: null },
      supports_mcp: true,
    });
    const cursor = await json(await app.request("/api/agent/CURSOR"));
    expect(cursor).toMatchObject({ id: "CURSOR_AGENT", is_available: false });
  });

  it("reports availability for executor agents and native agents", async () => {
    const { app } = createTestApp({ env: { ANTHROPIC_API_KEY: "sk-test" } });
    await create(app, { name: "Claude", executor_type: "CLAUDE_CODE" });
    await create(app, { name: "Gem", executor_type: "GEMINI" });
    await create(app, { name: "Native", provider: "anthropic", model: "claude-sonnet-4-5" });
    await create(app, { name: "Native OpenAI", provider: "openai" });
    const avail = async (id: string) => json(await app.request(`/api/agent/${id}/availability`));
    expect(await avail("claude")).toMatchObject({
      available: true,
      availability: { type: "LOGIN_DETECTED" },
    });
    expect(await avail("gem")).toMatchObject({ available: false, availability: { type: "NOT_INSTALLED" } });
    expect(await avail("native")).toMatchObject({ available: true, reason: null });
    expect(await avail("native-openai")).toMatchObject({
      available: false,
      reason: "provider 'openai' is not configured",
    });
    expect((await app.request("/api/agent/unknown/availability")).status).toBe(404);
  });

  it("counts MCP servers and skills from the configuration and redacts secrets", async () => {
    const { app } = createTestApp();
    const res = await create(app, {
      name: "Tools",
      mcp_servers: {
        fs: { command: "npx", args: ["fs-server"], env: { TOKEN: "secret-value", REF: "${MY_TOKEN}" } },
        web: { type: "http", url: "http://127.0.0.1:1/mcp", headers: { Authorization: "Bearer abc" } },
      },
      skills: ["review", { name: "deploy" }, "test"],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mcp_server_count: 2, skill_count: 3 });
    expect(JSON.stringify(res.body)).not.toContain("secret-value");
    expect(JSON.stringify(res.body)).not.toContain("Bearer abc");
    expect(res.body.mcp_servers).toMatchObject({ fs: { env: { TOKEN: "***", REF: "${MY_TOKEN}" } } });
    const list = await json<AgentList>(await app.request("/api/agent"));
    expect(list.agents[0]).toMatchObject({ mcp_server_count: 2, skill_count: 3 });
  });
});

describe("GET /api/agent merge rules", () => {
  async function seed() {
    const ctx = createTestApp();
    await create(ctx.app, { name: "Shared", description: "global one" });
    await create(ctx.app, { name: "Global Only" });
    await create(ctx.app, { name: "Shared", id: "shared", description: "project one", base_path: PROJECT });
    await create(ctx.app, { name: "Project Only", base_path: PROJECT });
    return ctx;
  }

  it("defaults workspace_path to the home directory and lists global agents", async () => {
    const { app } = await seed();
    const list = await json<AgentList>(await app.request("/api/agent"));
    expect(list.workspace_path).toBe(HOME);
    expect(list.agents.map((a) => a.id).sort()).toEqual(["global-only", "shared"]);
    expect(list.agents.every((a) => a.source === "global" && a.workspace_path === HOME)).toBe(true);
  });

  it("loads workspace agents first and skips global agents with the same id", async () => {
    const { app } = await seed();
    const list = await json<AgentList>(await app.request(`/api/agent?workspace_path=${PROJECT}`));
    expect(list.workspace_path).toBe(PROJECT);
    expect(list.agents.map((a) => `${a.source}:${a.id}`)).toEqual([
      "workspace:project-only",
      "workspace:shared",
      "global:global-only",
    ]);
    expect(list.agents.find((a) => a.id === "shared")).toMatchObject({
      description: "project one",
      workspace_path: PROJECT,
    });
    expect(list.total).toBe(3);
  });

  it("leaves global agents out with include_global=false", async () => {
    const { app } = await seed();
    for (const flag of ["false", "0"]) {
      const list = await json<AgentList>(
        await app.request(`/api/agent?workspace_path=${PROJECT}&include_global=${flag}`),
      );
      expect(list.agents.map((a) => a.id)).toEqual(["project-only", "shared"]);
    }
    // The home workspace is the global scope itself.
    const home = await json<AgentList>(
      await app.request(`/api/agent?workspace_path=${HOME}&include_global=false`),
    );
    expect(home.total).toBe(2);
  });

  it("normalises the workspace path", async () => {
    const { app } = await seed();
    const list = await json<AgentList>(await app.request(`/api/agent?workspace_path=${PROJECT}/./sub/..//`));
    expect(list.workspace_path).toBe(PROJECT);
  });

  it("reports hand-broken configs as warnings instead of failing the list", async () => {
    const { app, scopes } = await seed();
    await scopes.global().store.writeRaw("agents:broken:config.yaml", "name: [unclosed\n");
    await scopes.global().store.writeRaw("agents:wrongtype:config.yaml", "name: X\ntemperature: hot\n");
    const res = await app.request("/api/agent");
    expect(res.status).toBe(200);
    const body = await json<AgentList & { warnings: { id: string }[] }>(res);
    expect(body.total).toBe(2);
    expect(body.warnings.map((w) => w.id).sort()).toEqual(["broken", "wrongtype"]);
    const single = await app.request("/api/agent/wrongtype");
    expect(single.status).toBe(422);
    expect(await json(single)).toMatchObject({ code: "INVALID_AGENT_CONFIG" });
  });
});

describe("bad input is a 400 naming the problem", () => {
  const cases: [string, string, RequestInit | undefined, string, RegExp][] = [
    [
      "relative workspace_path",
      "/api/agent?workspace_path=relative/dir",
      undefined,
      "INVALID_WORKSPACE_PATH",
      /absolute/,
    ],
    [
      "missing workspace",
      "/api/agent?workspace_path=/does/not/exist",
      undefined,
      "WORKSPACE_NOT_FOUND",
      /does not exist/,
    ],
    [
      "NUL in workspace_path",
      "/api/agent?workspace_path=/tmp%00x",
      undefined,
      "INVALID_WORKSPACE_PATH",
      /NUL/,
    ],
    [
      "include_global not boolean",
      "/api/agent?include_global=maybe",
      undefined,
      "VALIDATION_ERROR",
      /include_global/,
    ],
    [
      "relative path on executors",
      "/api/executors?workspace_path=x",
      undefined,
      "INVALID_WORKSPACE_PATH",
      /absolute/,
    ],
    [
      "missing path on models",
      "/api/models?workspace_path=/nope",
      undefined,
      "WORKSPACE_NOT_FOUND",
      /does not exist/,
    ],
    ["malformed JSON", "/api/agent", jsonRequest("POST", "{not json"), "INVALID_JSON", /not valid JSON/],
    [
      "wrong type",
      "/api/agent",
      jsonRequest("POST", { name: "x", temperature: "hot" }),
      "VALIDATION_ERROR",
      /temperature/,
    ],
    ["missing name", "/api/agent", jsonRequest("POST", { model: "m" }), "VALIDATION_ERROR", /name/],
    [
      "unknown field in strict mode",
      "/api/agent?strict=true",
      jsonRequest("POST", { name: "x", colour: "red" }),
      "VALIDATION_ERROR",
      /colour/,
    ],
    [
      "bad executor",
      "/api/agent",
      jsonRequest("POST", { name: "x", executor_type: "VIM" }),
      "VALIDATION_ERROR",
      /executor_type/,
    ],
    ["id with ..", "/api/agent", jsonRequest("POST", { name: "x", id: "../x" }), "VALIDATION_ERROR", /id/],
    ["id with slash", "/api/agent", jsonRequest("POST", { name: "x", id: "a/b" }), "VALIDATION_ERROR", /id/],
    [
      "absolute id",
      "/api/agent",
      jsonRequest("POST", { name: "x", id: "/etc/passwd" }),
      "VALIDATION_ERROR",
      /id/,
    ],
    [
      "id with NUL",
      "/api/agent",
      jsonRequest("POST", { name: "x", id: "a\u0000b" }),
      "VALIDATION_ERROR",
      /id/,
    ],
    ["id with colon", "/api/agent", jsonRequest("POST", { name: "x", id: "a:b" }), "VALIDATION_ERROR", /id/],
    [
      "relative base_path",
      "/api/agent",
      jsonRequest("POST", { name: "x", base_path: "proj" }),
      "INVALID_WORKSPACE_PATH",
      /base_path/,
    ],
    ["encoded slash in path id", "/api/agent/a%2Fb", undefined, "VALIDATION_ERROR", /id/],
    ["encoded dots in path id", "/api/agent/..%2Fx", undefined, "VALIDATION_ERROR", /id/],
    ["NUL in path id", "/api/agent/a%00b", undefined, "VALIDATION_ERROR", /id/],
    [
      "patch wrong type",
      "/api/agent/x",
      jsonRequest("PATCH", { max_tokens: -1 }),
      "VALIDATION_ERROR",
      /max_tokens/,
    ],
    ["patch malformed", "/api/agent/x", jsonRequest("PATCH", "[1,"), "INVALID_JSON", /JSON/],
    ["default without agent", "/api/agent/default", jsonRequest("PUT", {}), "VALIDATION_ERROR", /agent_id/],
  ];
  for (const [name, path, init, code, message] of cases) {
    it(name, async () => {
      const { app } = createTestApp();
      await create(app, { name: "x" });
      const res = await app.request(path, init);
      expect(res.status).toBe(400);
      const body = await json<{ error: string; code: string; details: unknown }>(res);
      expect(body.code).toBe(code);
      expect(body.error).toMatch(message);
      expect(body.details).toBeTypeOf("object");
    });
  }

  it("writes nothing when the input is refused", async () => {
    const { app, scopes } = createTestApp();
    await app.request("/api/agent", jsonRequest("POST", { name: "x", id: "../escape" }));
    await app.request("/api/agent", jsonRequest("POST", { name: "y", temperature: 9 }));
    expect(await scopes.global().store.keys("agents")).toEqual([]);
  });
});

describe("input from the original clients", () => {
  it("keeps the original Viben's agent fields, reads provider_id, and reports unknown fields", async () => {
    const { app, scopes } = createTestApp();
    const res = await create(app, {
      name: "Orig",
      provider_id: "anthropic",
      executor_config: { plan: true, env: { TOKEN: "secret" } },
      plan_mode: true,
      approvals: false,
      custom_variables: { team: "core" },
      env_variables: { API_TOKEN: "hunter2", HOME_REF: "${HOME}" },
      mcp_servers: ["github", { name: "fs", command: "npx", env: { KEY: "k" } }],
      colour: "red",
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      provider: "anthropic",
      provider_id: "anthropic",
      plan_mode: true,
      approvals: false,
      custom_variables: { team: "core" },
      env_variables: { API_TOKEN: "***", HOME_REF: "${HOME}" },
      executor_config: { plan: true, env: { TOKEN: "***" } },
      mcp_servers: ["github", { name: "fs", command: "npx", env: { KEY: "***" } }],
      mcp_server_count: 2,
      warnings: [
        { field: "colour", message: "unknown field; ignored" },
        { field: "mcp_servers", message: expect.stringContaining("'github'") },
      ],
    });
    const stored = parse((await scopes.global().store.readRaw("agents:orig:config.yaml"))!);
    expect(stored).toMatchObject({
      provider: "anthropic",
      plan_mode: true,
      env_variables: { API_TOKEN: "hunter2" },
    });
    expect(stored.colour).toBeUndefined();

    const patched = await app.request(
      "/api/agent/orig",
      jsonRequest("PATCH", { provider_id: "openai", is_template: true, template_description: "t", x: 1 }),
    );
    expect(await json(patched)).toMatchObject({
      provider: "openai",
      is_template: true,
      template_description: "t",
      warnings: [{ field: "x" }],
    });
    // Sending back what was read (secrets masked) keeps the secrets.
    await app.request(
      "/api/agent/orig",
      jsonRequest("PATCH", {
        env_variables: { API_TOKEN: "***", HOME_REF: "${HOME}", NEW: "n" },
        executor_config: { plan: false, env: { TOKEN: "***" } },
      }),
    );
    const kept = parse((await scopes.global().store.readRaw("agents:orig:config.yaml"))!);
    expect(kept.env_variables).toEqual({ API_TOKEN: "hunter2", HOME_REF: "${HOME}", NEW: "n" });
    expect(kept.executor_config).toEqual({ plan: false, env: { TOKEN: "secret" } });
    const strict = await app.request("/api/agent/orig?strict=true", jsonRequest("PATCH", { x: 1 }));
    expect(strict.status).toBe(400);
    expect(await json(strict)).toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("honours strict_input in gateway.yaml, which ?strict=false overrides", async () => {
    const { app, scopes } = createTestApp();
    await scopes.global().store.writeRaw("gateway.yaml", "strict_input: true\n");
    expect((await create(app, { name: "a", colour: "red" })).status).toBe(400);
    const res = await app.request(
      "/api/agent?strict=false",
      jsonRequest("POST", { name: "a", colour: "red" }),
    );
    expect(res.status).toBe(201);
  });

  it("answers availability with the original's top-level type", async () => {
    const { app } = createTestApp();
    expect(await json(await app.request("/api/agent/CLAUDE_CODE/availability"))).toMatchObject({
      type: "LOGIN_DETECTED",
      last_auth_timestamp: 1770741923,
      available: true,
    });
    expect(await json(await app.request("/api/agent/CODEX/availability"))).toMatchObject({
      type: "NOT_FOUND",
      available: false,
    });
    await create(app, { name: "Native", provider: "anthropic" });
    expect(await json(await app.request("/api/agent/native/availability"))).toMatchObject({
      type: "VIBEN_AGENT",
      name: "Native",
    });
  });

  it("clears the default when the default agent is deleted", async () => {
    const { app } = createTestApp();
    await create(app, { name: "Main" });
    await app.request("/api/agent/default", jsonRequest("PUT", { agent_id: "main" }));
    const del = await json(await app.request("/api/agent/main", { method: "DELETE" }));
    expect(del).toMatchObject({ success: true, deleted: "main", default_cleared: true });
    expect(await json(await app.request("/api/agent/default"))).toMatchObject({ default_agent_id: null });
  });

  it("marks agents as templates, lists and instantiates them, and promotes a workspace agent", async () => {
    const { app } = createTestApp();
    await create(app, {
      name: "Tpl",
      base_path: PROJECT,
      executor_type: "CLAUDE_CODE",
      system_prompt: "be kind",
    });
    const mark = await app.request(
      "/api/agent/templates",
      jsonRequest("POST", {
        agent_id: "tpl",
        is_template: true,
        template_description: "kind",
        workspace_path: PROJECT,
      }),
    );
    expect(mark.status).toBe(200);
    expect(await json(mark)).toMatchObject({ id: "tpl", is_template: true, template_description: "kind" });
    const list = await json<{ templates: Record<string, unknown>[] }>(
      await app.request(`/api/agent/templates?workspace_path=${PROJECT}`),
    );
    expect(list.templates.find((t) => t.id === "tpl")).toMatchObject({
      source: "workspace",
      is_template: true,
      executor_type: "CLAUDE_CODE",
      config: { system_prompt: "be kind" },
    });
    const made = await app.request(
      "/api/agent/templates/tpl/instantiate",
      jsonRequest("POST", { agent_id: "kind-one", name: "Kind One", base_path: PROJECT }),
    );
    expect(made.status).toBe(201);
    const madeBody = await json<Agent>(made);
    expect(madeBody).toMatchObject({ id: "kind-one", system_prompt: "be kind", source: "workspace" });
    expect(madeBody.is_template).toBeUndefined();
    const fromCreate = await create(app, { name: "Two", base_path: PROJECT, from_template: "tpl" });
    expect(fromCreate.body).toMatchObject({ id: "two", system_prompt: "be kind" });

    const promoted = await app.request(
      "/api/agent/tpl/promote",
      jsonRequest("POST", { workspace_path: PROJECT, new_id: "global-tpl" }),
    );
    expect(promoted.status).toBe(201);
    expect(await json(promoted)).toMatchObject({ id: "global-tpl", source: "global", is_template: true });
    const missing = await app.request("/api/agent/tpl/promote", jsonRequest("POST", {}));
    expect(missing.status).toBe(400);

    const unmark = await app.request(
      "/api/agent/templates",
      jsonRequest("POST", { agent_id: "tpl", is_template: false, workspace_path: PROJECT }),
    );
    expect(await json(unmark)).toMatchObject({ is_template: false });
    const old = await app.request(
      "/api/agent/templates",
      jsonRequest("POST", { agent_id: "two", template_id: "two-tpl", workspace_path: PROJECT }),
    );
    expect(old.status).toBe(201);
    expect(await json(old)).toMatchObject({ id: "two-tpl", source: "global" });
  });

  it("serves /api/agents/... as an alias of /api/agent/...", async () => {
    const { app } = createTestApp();
    await create(app, { name: "Alias" });
    expect((await json<AgentList>(await app.request("/api/agents"))).agents.map((a) => a.id)).toEqual([
      "alias",
    ]);
    expect(await json(await app.request("/api/agents/alias"))).toMatchObject({ id: "alias" });
    const doc = await json<{ paths: Record<string, unknown> }>(await app.request("/openapi.json"));
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/api/agents"))).toBe(false);
  });
});
