/*
 * The original Viben desktop client's agent calls, transcribed, against a real gateway on port 0.
 * Follows LinXueyuanStdio/viben:
 *   apps/desktop/src/lib/gateway/modules/agents-crud.ts (list/get/create/update/delete, default agent,
 *     templates as agents marked is_template, createAgentFromTemplate, promoteTemplateToGlobal),
 *   apps/desktop/src/lib/gateway/modules/agent-execution.ts (checkAvailability),
 *   apps/desktop/src/lib/gateway/types/agent.ts (AgentResponse, UpdateAgentOptions, DefaultAgentResponse),
 *   packages/core/src/gateway/routes/agents.ts (the server those calls were written against).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";

type Json = Record<string, unknown>;

/** The client's requests: JSON in, JSON out, `Accept: application/json`, failures as (status, body). */
function vibenClient(baseUrl: () => string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const query = (params: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  return {
    listAgents: async (opts: { workspacePath?: string; includeGlobal?: boolean } = {}) => {
      const params = query({
        workspace_path: opts.workspacePath,
        include_global: opts.includeGlobal === undefined ? undefined : String(opts.includeGlobal),
      });
      const { body } = await call("GET", `/api/agent?${params}`);
      return (body.agents ?? body) as Json[];
    },
    getAgent: (id: string, opts: { workspacePath?: string } = {}) =>
      call("GET", `/api/agent/${encodeURIComponent(id)}?${query({ workspace_path: opts.workspacePath })}`),
    createAgent: (options: Json) => call("POST", "/api/agent", options),
    updateAgent: (id: string, options: Json) => {
      const { workspace_path, ...rest } = options;
      const params = query({ workspace_path: workspace_path as string | undefined }).toString();
      const url = `/api/agent/${encodeURIComponent(id)}${params ? `?${params}` : ""}`;
      return call("PATCH", url, JSON.parse(JSON.stringify(rest)));
    },
    deleteAgent: (id: string, opts: { workspacePath?: string } = {}) =>
      call("DELETE", `/api/agent/${encodeURIComponent(id)}?${query({ workspace_path: opts.workspacePath })}`),
    getDefaultAgentId: async () => (await call("GET", "/api/agent/default")).body.default_agent_id,
    setDefaultAgent: (agentId: string) => call("PUT", "/api/agent/default", { agent_id: agentId }),
    listAgentTemplates: (opts: { workspacePath?: string } = {}) =>
      call("GET", `/api/agent/templates?${query({ workspace_path: opts.workspacePath })}`),
    setAgentAsTemplate: (id: string, opts: { templateDescription?: string; workspacePath?: string }) =>
      vibenClient(baseUrl).updateAgent(id, {
        is_template: true,
        template_description: opts.templateDescription,
        workspace_path: opts.workspacePath,
      }),
    unsetAgentAsTemplate: (id: string, opts: { workspacePath?: string } = {}) =>
      vibenClient(baseUrl).updateAgent(id, {
        is_template: false,
        template_description: undefined,
        workspace_path: opts.workspacePath,
      }),
    createAgentFromTemplate: (
      templateId: string,
      opts: { name: string; agentId?: string; basePath?: string },
    ) =>
      call("POST", "/api/agent", {
        name: opts.name,
        id: opts.agentId,
        from_template: templateId,
        base_path: opts.basePath,
      }),
    promoteTemplateToGlobal: (id: string, request: { workspace_path: string; new_id?: string }) =>
      call("POST", `/api/agent/${encodeURIComponent(id)}/promote`, request),
    checkAvailability: (executorType: string) =>
      call("GET", `/api/agent/${encodeURIComponent(executorType)}/availability`),
    raw: call,
  };
}

describe("the original Viben desktop client's agent calls", () => {
  let home: string;
  let project: string;
  let gw: RunningGateway;
  const client = vibenClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-agents-"));
    project = join(home, "project");
    await mkdir(project);
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("creates and updates an agent with every field its forms send, and reads them back", async () => {
    const created = await client.createAgent({
      name: "Reviewer",
      id: "reviewer",
      description: "Reviews code",
      model: "claude-sonnet-4-5",
      provider_id: "anthropic",
      system_prompt: "Be thorough.",
      temperature: 0.3,
      max_tokens: 2048,
      executor_type: "CLAUDE_CODE",
      executor_config: { plan: false, dangerously_skip_permissions: false },
      mcp_servers: ["github"],
      skills: ["review"],
      plan_mode: false,
      approvals: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "reviewer",
      name: "Reviewer",
      executor_type: "CLAUDE_CODE",
      source: "global",
      provider_id: "anthropic",
      executor_config: { plan: false, dangerously_skip_permissions: false },
      mcp_servers: ["github"],
      skills: ["review"],
      plan_mode: false,
      approvals: true,
    });
    // Nothing it sent was dropped; the one note is that a bare MCP server name cannot be started here.
    expect(created.body.warnings).toEqual([
      { field: "mcp_servers", message: expect.stringContaining("'github'") },
    ]);
    expect(typeof created.body.created_at).toBe("string");

    const updated = await client.updateAgent("reviewer", {
      description: "Reviews code carefully",
      plan_mode: true,
      mcp_servers: ["github", "linear"],
      executor_type: "CLAUDE_CODE",
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ plan_mode: true, mcp_servers: ["github", "linear"] });

    const got = await client.getAgent("reviewer");
    expect(got.body).toMatchObject({
      description: "Reviews code carefully",
      approvals: true,
      provider_id: "anthropic",
    });
    expect((await client.listAgents()).map((a) => a.id)).toContain("reviewer");
  });

  it("sets, reads and (by deleting the agent) clears the default agent", async () => {
    await client.createAgent({ name: "Main", id: "main" });
    expect((await client.setDefaultAgent("main")).body).toMatchObject({
      success: true,
      default_agent_id: "main",
    });
    expect(await client.getDefaultAgentId()).toBe("main");
    expect((await client.deleteAgent("main")).status).toBe(200);
    expect(await client.getDefaultAgentId()).toBeNull();
    // Without a default, a chat says so instead of looking for the deleted agent.
    const chat = await client.raw("POST", "/api/chat", { message: "hello" });
    expect(chat.status).toBe(400);
    expect(chat.body.code).toBe("NO_AGENT");
  });

  it("marks an agent as a template, lists it, makes an agent from it, promotes it, and unmarks it", async () => {
    const made = await client.createAgent({
      name: "Starter",
      id: "starter",
      base_path: project,
      executor_type: "CLAUDE_CODE",
      system_prompt: "Start small.",
    });
    expect(made.status).toBe(201);
    const marked = await client.setAgentAsTemplate("starter", {
      templateDescription: "A small start",
      workspacePath: project,
    });
    expect(marked.body).toMatchObject({ is_template: true, template_description: "A small start" });

    const listed = await client.listAgentTemplates({ workspacePath: project });
    const templates = listed.body.templates as Json[];
    expect(listed.body.total).toBe(templates.length);
    expect(templates.find((t) => t.id === "starter")).toMatchObject({
      is_template: true,
      template_description: "A small start",
      executor_type: "CLAUDE_CODE",
    });

    const copy = await client.createAgentFromTemplate("starter", { name: "Starter Copy", basePath: project });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      id: "starter-copy",
      system_prompt: "Start small.",
      source: "workspace",
    });
    expect(copy.body.is_template).toBeUndefined();

    const promoted = await client.promoteTemplateToGlobal("starter", { workspace_path: project });
    expect(promoted.status).toBe(201);
    expect(promoted.body).toMatchObject({ id: "starter", source: "global", is_template: true });

    const unmarked = await client.unsetAgentAsTemplate("starter", { workspacePath: project });
    expect(unmarked.body.is_template).toBe(false);
    const after = (await client.listAgentTemplates({ workspacePath: project })).body.templates as Json[];
    // The workspace copy is no template any more; the promoted global one still is, and is hidden by it.
    expect(after.find((t) => t.id === "starter")).toBeUndefined();
  });

  it("checks executor availability with the original's top-level type", async () => {
    const claude = await client.checkAvailability("CLAUDE_CODE");
    expect(claude.status).toBe(200);
    expect(["LOGIN_DETECTED", "INSTALLATION_FOUND", "NOT_FOUND"]).toContain(claude.body.type);
    const unknown = await client.checkAvailability("nobody-here");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: "AGENT_NOT_FOUND" });
  });

  it("answers the newer /api/agents spelling like /api/agent", async () => {
    const list = await client.raw("GET", "/api/agents");
    expect(list.status).toBe(200);
    expect((list.body.agents as Json[]).map((a) => a.id)).toContain("reviewer");
  });
});
