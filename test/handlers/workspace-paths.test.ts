// Issue 9, "Paths", at the handler level (in-memory storage, a fake path probe): which workspace and
// workdir paths are accepted, and how an agent's own list narrows gateway.yaml `workdir_roots`.
// test/blackbox/workspace-paths.test.ts drives the same rules through the real server and filesystem.
import { describe, expect, it } from "vitest";
import type { Services } from "../../handlers/context.js";
import type { AgentRecord } from "../../storage/agents.js";
import { allowedWorkdirRoots } from "../../storage/rules/run-requests.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../helpers/app.js";

type Json = Record<string, unknown>;

function setup(options: Parameters<typeof createTestApp>[0] = {}) {
  const ctx = createTestApp({
    directories: ["/", "/etc", "/srv", "/srv/app", "/proc/self", "/sys", `${HOME}/escape`],
    symlinks: { [`${HOME}/escape`]: "/etc" },
    ...options,
  });
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await ctx.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
    return { status: res.status, body: await json<Json>(res) };
  };
  const roots = (workdir_roots: string[]) =>
    ctx.scopes.global().store.write("gateway.yaml", { workdir_roots });
  return { ...ctx, send, roots };
}

describe("workspace paths", () => {
  it("accepts HOME and folders inside it, and refuses the rest naming the field and workdir_roots", async () => {
    const { send } = setup();
    expect((await send("GET", `/api/agent?workspace_path=${PROJECT}`)).status).toBe(200);
    for (const ws of ["/etc", "/", `${HOME}/escape`, `${PROJECT}/../../../etc`]) {
      const res = await send("POST", "/api/agent", { name: "x", base_path: ws });
      expect(res, ws).toMatchObject({
        status: 400,
        body: {
          code: "WORKSPACE_NOT_ALLOWED",
          details: { field: "base_path", setting: "workdir_roots", allowed: [HOME] },
        },
      });
      expect(res.body.error).toMatch(
        /^base_path: .* is outside the allowed roots \(.*\); add .* workdir_roots/,
      );
    }
  });

  it("refuses kernel filesystems before anything else, even when / is a root", async () => {
    const { send, roots } = setup();
    await roots(["/"]);
    expect((await send("POST", "/api/agent", { name: "etc", base_path: "/etc" })).status).toBe(201);
    for (const ws of ["/proc/self", "/sys"]) {
      const res = await send("GET", `/api/agent?workspace_path=${ws}`);
      expect(res).toMatchObject({
        status: 400,
        body: { code: "UNSUPPORTED_FILESYSTEM", details: { field: "workspace_path" } },
      });
    }
  });

  it("follows workdir_roots: a root outside HOME is allowed, HOME itself stays the global workspace", async () => {
    const { send, roots } = setup();
    await roots(["/srv"]);
    expect((await send("POST", "/api/agent", { name: "app", base_path: "/srv/app" })).body).toMatchObject({
      source: "workspace",
      workspace_path: "/srv/app",
    });
    expect((await send("POST", "/api/agent", { name: "p", base_path: PROJECT })).body.code).toBe(
      "WORKSPACE_NOT_ALLOWED",
    );
    // HOME (with or without a trailing slash) is the same as no workspace at all.
    expect((await send("GET", `/api/agent?workspace_path=${HOME}/`)).status).toBe(200);
  });

  it("keeps the existing codes for malformed and missing paths", async () => {
    const { send } = setup();
    expect((await send("GET", "/api/agent?workspace_path=relative")).body.code).toBe(
      "INVALID_WORKSPACE_PATH",
    );
    expect((await send("GET", `/api/agent?workspace_path=${HOME}/missing`)).body.code).toBe(
      "WORKSPACE_NOT_FOUND",
    );
  });
});

describe("an agent's workdirs narrow workdir_roots", () => {
  it("refuses a workdir outside the roots even when the agent's workdirs include it", async () => {
    const { send } = setup();
    await send("POST", "/api/agent", { name: "wide", executor_type: "CLAUDE_CODE", workdirs: ["/"] });
    const etc = await send("POST", "/api/agent/wide/sessions", { workdir: "/etc" });
    expect(etc).toMatchObject({
      status: 400,
      body: { code: "WORKDIR_NOT_ALLOWED", details: { field: "workdir", setting: "workdir_roots" } },
    });
    expect((await send("POST", "/api/agent/wide/sessions", { workdir: PROJECT })).status).toBe(201);
  });

  it("refuses a workdir inside the roots but outside the agent's own list", async () => {
    const { send } = setup();
    await send("POST", "/api/agent", { name: "narrow", executor_type: "CLAUDE_CODE", workdirs: [PROJECT] });
    const res = await send("POST", "/api/agent/narrow/sessions", { workdir: HOME });
    expect(res).toMatchObject({
      status: 400,
      body: { code: "WORKDIR_NOT_ALLOWED", details: { allowed: [PROJECT] } },
    });
    expect(res.body.error).toContain("outside what agent 'narrow' may use");
  });

  it("picks a default workdir where both lists meet", () => {
    const services = { scopes: { home: HOME } } as unknown as Services;
    const agent = (workdirs?: string[]): AgentRecord =>
      ({
        id: "a",
        scope: { kind: "global", workspacePath: HOME },
        configPath: "",
        config: { name: "a", workdirs },
      }) as AgentRecord;
    expect(allowedWorkdirRoots(services, agent(["/"]))).toEqual([HOME]);
    expect(allowedWorkdirRoots(services, agent([PROJECT, "/etc"]))).toEqual([PROJECT]);
    expect(allowedWorkdirRoots(services, agent(["/etc"]))).toEqual(["/etc"]);
    expect(allowedWorkdirRoots(services, agent(), ["/srv", HOME])).toEqual(["/srv", HOME]);
    expect(allowedWorkdirRoots(services, agent(["/srv/app/"]), ["/srv"])).toEqual(["/srv/app"]);
  });
});

describe("task workdirs are checked when the task is written", () => {
  it("refuses a workdir outside the roots or outside the task's agent, on create and on edit", async () => {
    const { send } = setup();
    await send("POST", "/api/agent", { name: "narrow", executor_type: "CLAUDE_CODE", workdirs: [PROJECT] });
    expect((await send("POST", "/api/tasks", { title: "t", workdir: "/etc" })).body.code).toBe(
      "WORKDIR_NOT_ALLOWED",
    );
    expect(
      (await send("POST", "/api/tasks", { title: "t", agent_id: "narrow", workdir: HOME })).body.code,
    ).toBe("WORKDIR_NOT_ALLOWED");
    expect((await send("GET", "/api/tasks")).body.total).toBe(0);
    const task = await send("POST", "/api/tasks", { title: "t", workdir: HOME });
    expect(task.status).toBe(201);
    const id = task.body.id as string;
    // Giving the task an agent that may not use its workdir is refused; dropping the workdir is fine.
    expect((await send("PATCH", `/api/tasks/${id}`, { agent_id: "narrow" })).body.code).toBe(
      "WORKDIR_NOT_ALLOWED",
    );
    expect((await send("PATCH", `/api/tasks/${id}`, { agent_id: "narrow", workdir: null })).status).toBe(200);
    expect((await send("PATCH", `/api/tasks/${id}`, { workdir: PROJECT })).body).toMatchObject({
      workdir: PROJECT,
      agent_id: "narrow",
    });
  });
});
