// Issue 9, "Paths": workspaces on kernel filesystems (/proc, /sys, /dev) are refused at once instead of
// hanging the server; workspaces lie inside gateway.yaml `workdir_roots` (default: HOME) with `..` and
// symbolic links resolved first; GET routes write nothing; an agent's `workdirs` / `base_path` may only
// narrow the roots; task workdirs are checked when the task is written.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  type GatewayProcess,
  makeTempHome,
  removeDir,
  startGatewayProcess,
} from "../helpers/gateway-process.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");
/** A client timeout: a request that hangs (the procfs mkdir loop) fails the test instead of stalling it. */
const CLIENT_TIMEOUT_MS = 20_000;

type Json = Record<string, unknown>;

interface RouteCase {
  name: string;
  method: string;
  /** `{ws}` is replaced with the URL-encoded workspace. */
  path: string;
  /** Body builder (given the workspace and HOME); the field that carries the workspace is `field`. */
  body?: (ws: string, home: string) => Json;
  field: "workspace_path" | "base_path";
}

/** Every route that takes a workspace (as `workspace_path` or `base_path`, in the query or the body). */
const ROUTES: RouteCase[] = [
  { name: "list agents", method: "GET", path: "/api/agent?workspace_path={ws}", field: "workspace_path" },
  { name: "get agent", method: "GET", path: "/api/agent/wide?workspace_path={ws}", field: "workspace_path" },
  {
    name: "agent availability",
    method: "GET",
    path: "/api/agent/CLAUDE_CODE/availability?workspace_path={ws}",
    field: "workspace_path",
  },
  {
    name: "create agent",
    method: "POST",
    path: "/api/agent",
    body: (ws) => ({ name: "x", base_path: ws }),
    field: "base_path",
  },
  {
    name: "update agent",
    method: "PATCH",
    path: "/api/agent/wide?workspace_path={ws}",
    body: () => ({ description: "x" }),
    field: "workspace_path",
  },
  {
    name: "delete agent",
    method: "DELETE",
    path: "/api/agent/wide?workspace_path={ws}",
    field: "workspace_path",
  },
  {
    name: "get default agent",
    method: "GET",
    path: "/api/agent/default?workspace_path={ws}",
    field: "workspace_path",
  },
  {
    name: "set default agent",
    method: "PUT",
    path: "/api/agent/default?workspace_path={ws}",
    body: () => ({ agent_id: "wide" }),
    field: "workspace_path",
  },
  {
    name: "create template",
    method: "POST",
    path: "/api/agent/templates",
    body: (ws) => ({ agent_id: "wide", workspace_path: ws }),
    field: "workspace_path",
  },
  {
    name: "instantiate template",
    method: "POST",
    path: "/api/agent/templates/coding-assistant/instantiate",
    body: (ws) => ({ name: "x", base_path: ws }),
    field: "base_path",
  },
  {
    name: "spawn",
    method: "POST",
    path: "/api/agent/wide/spawn?workspace_path={ws}",
    body: (_ws, home) => ({ prompt: "hi", workdir: home }),
    field: "workspace_path",
  },
  {
    name: "create session",
    method: "POST",
    path: "/api/agent/wide/sessions?workspace_path={ws}",
    body: (_ws, home) => ({ workdir: home }),
    field: "workspace_path",
  },
  { name: "executors", method: "GET", path: "/api/executors?workspace_path={ws}", field: "workspace_path" },
  {
    name: "one executor",
    method: "GET",
    path: "/api/executors/CLAUDE_CODE?workspace_path={ws}",
    field: "workspace_path",
  },
  { name: "models", method: "GET", path: "/api/models?workspace_path={ws}", field: "workspace_path" },
  { name: "providers", method: "GET", path: "/api/providers?workspace_path={ws}", field: "workspace_path" },
  {
    name: "create provider",
    method: "POST",
    path: "/api/providers",
    body: (ws) => ({ id: "p", type: "openai-compatible", base_url: "http://127.0.0.1:9/v1", base_path: ws }),
    field: "base_path",
  },
  {
    name: "update provider",
    method: "PATCH",
    path: "/api/providers/p?workspace_path={ws}",
    body: () => ({ name: "x" }),
    field: "workspace_path",
  },
  { name: "tasks", method: "GET", path: "/api/tasks?workspace_path={ws}", field: "workspace_path" },
  {
    name: "create task",
    method: "POST",
    path: "/api/tasks",
    body: (ws) => ({ title: "t", workspace_path: ws }),
    field: "workspace_path",
  },
  {
    name: "update task",
    method: "PATCH",
    path: "/api/tasks/t1?workspace_path={ws}",
    body: () => ({ title: "x" }),
    field: "workspace_path",
  },
  {
    name: "start task",
    method: "POST",
    path: "/api/tasks/t1/start?workspace_path={ws}",
    field: "workspace_path",
  },
  { name: "kanban", method: "GET", path: "/api/kanban?workspace_path={ws}", field: "workspace_path" },
  {
    name: "kanban columns",
    method: "PUT",
    path: "/api/kanban/columns?workspace_path={ws}",
    body: () => ({ columns: [{ id: "todo", name: "To do", status: "todo" }] }),
    field: "workspace_path",
  },
  {
    name: "kanban move",
    method: "POST",
    path: "/api/kanban/move",
    body: (ws) => ({ task_id: "t1", column: "todo", position: 0, workspace_path: ws }),
    field: "workspace_path",
  },
  {
    name: "enqueue",
    method: "POST",
    path: "/api/queue?workspace_path={ws}",
    body: () => ({ agent_id: "wide", prompt: "hi" }),
    field: "workspace_path",
  },
  {
    name: "create cron job",
    method: "POST",
    path: "/api/cron",
    body: (ws) => ({ name: "c", schedule: "0 3 * * *", agent_id: "wide", prompt: "hi", workspace_path: ws }),
    field: "workspace_path",
  },
];

/** Every file under a directory with its size and modification time, to show that nothing was written. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    files[path] = `${info.size}@${info.mtimeMs}`;
  }
  return files;
}

describe("workspace and workdir paths through the real gateway", () => {
  let gw: GatewayProcess;
  let home: string;
  let project: string;
  let outside: string;
  const etcHadViben = existsSync("/etc/.viben");

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const route = (r: RouteCase, ws: string) =>
    call(r.method, r.path.replace("{ws}", encodeURIComponent(ws)), r.body?.(ws, home));

  /** No `.viben` appeared in the directory (nothing planted there). */
  const expectUntouched = async (dir: string) => {
    expect(existsSync(join(dir, ".viben")), `${dir}/.viben`).toBe(false);
  };

  beforeAll(async () => {
    home = await makeTempHome("viben-paths-home-");
    project = join(home, "project");
    await mkdir(project);
    // A directory outside HOME, as another user's project or a system folder would be.
    outside = await mkdtemp(join(tmpdir(), "viben-paths-outside-"));
    // Inside HOME by name, outside once resolved.
    await symlink(outside, join(home, "escape"));
    await symlink("/proc/self", join(home, "proc-link"));
    // A workspace inside HOME whose `.viben` leads into procfs: only the storage driver can see it.
    await mkdir(join(home, "sneaky"));
    await symlink("/proc/self", join(home, "sneaky/.viben"));
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    gw = await startGatewayProcess({ home });
    // An operator's agent that asks for the whole filesystem, and one that narrows itself to the project.
    const wide = await call("POST", "/api/agent", {
      name: "wide",
      executor_type: "CLAUDE_CODE",
      workdirs: ["/"],
    });
    expect(wide.status).toBe(201);
    const narrow = await call("POST", "/api/agent", {
      name: "narrow",
      executor_type: "CLAUDE_CODE",
      workdirs: [project],
    });
    expect(narrow.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.stop("SIGTERM");
    await removeDir(home);
    await removeDir(outside);
  });

  describe("1. kernel and device filesystems", () => {
    for (const ws of ["/proc/self", "/proc", "/sys", "/dev"]) {
      it(`refuses ${ws} as a workspace on every route, at once, with a 400 naming the field`, async () => {
        for (const r of ROUTES) {
          const res = await route(r, ws);
          expect(res.status, `${r.name}: ${JSON.stringify(res.body)}`).toBe(400);
          expect(res.body, r.name).toMatchObject({
            code: "UNSUPPORTED_FILESYSTEM",
            details: { field: r.field, filesystem: expect.any(String) },
          });
          expect(res.body.error, r.name).toMatch(new RegExp(`^${r.field}: .*not an ordinary filesystem`));
        }
      });
    }

    it("resolves symbolic links first: a link in HOME to /proc/self is refused too", async () => {
      const res = await call("POST", "/api/agent", { name: "x", base_path: join(home, "proc-link") });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "UNSUPPORTED_FILESYSTEM", details: { filesystem: "proc" } });
    });

    it("refuses run workdirs and terminal-style directories on /proc as well", async () => {
      const res = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: "/proc/self" });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "UNSUPPORTED_FILESYSTEM", details: { field: "workdir" } });
    });

    it("the storage driver refuses to write through a .viben that leads into procfs", async () => {
      const res = await call("POST", "/api/agent", { name: "x", base_path: join(home, "sneaky") });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "UNSUPPORTED_FILESYSTEM", details: { filesystem: "proc" } });
      // And the gateway is still answering (no busy mkdir loop behind it).
      expect((await call("GET", "/api/agent")).status).toBe(200);
    });
  });

  describe("2. workspaces inside workdir_roots", () => {
    const outsideCases = () => [
      { what: "a directory outside HOME", ws: outside },
      { what: "/etc", ws: "/etc" },
      { what: "/", ws: "/" },
      { what: "a symbolic link in HOME leading outside", ws: join(home, "escape") },
      { what: "a path that climbs out with ..", ws: `${project}/../../${basename(outside)}` },
    ];

    it("refuses every route with a workspace outside the roots: 400 naming the field and workdir_roots", async () => {
      for (const { what, ws } of outsideCases()) {
        for (const r of ROUTES) {
          const res = await route(r, ws);
          expect(res.status, `${r.name} with ${what}: ${JSON.stringify(res.body)}`).toBe(400);
          expect(res.body, `${r.name} with ${what}`).toMatchObject({
            code: "WORKSPACE_NOT_ALLOWED",
            details: { field: r.field, setting: "workdir_roots", allowed: [home] },
          });
          expect(res.body.error).toMatch(
            new RegExp(`^${r.field}: .*outside the allowed roots.*workdir_roots`),
          );
        }
      }
      // Nothing was planted anywhere.
      await expectUntouched(outside);
      await expectUntouched("/");
      if (!etcHadViben) await expectUntouched("/etc");
    });

    it("accepts a workspace inside HOME, and GET routes write nothing, there or in ~/.viben", async () => {
      const fresh = join(home, "fresh");
      await mkdir(fresh);
      const globalBefore = await snapshot(join(home, ".viben"));
      for (const r of ROUTES.filter((x) => x.method === "GET")) {
        const res = await route(r, fresh);
        expect([200, 404], `${r.name}: ${JSON.stringify(res.body)}`).toContain(res.status);
      }
      await expectUntouched(fresh);
      expect(await readdir(fresh)).toEqual([]);
      expect(await snapshot(join(home, ".viben"))).toEqual(globalBefore);
      const created = await call("POST", "/api/agent", { name: "local", base_path: project });
      expect(created.status).toBe(201);
      expect(existsSync(join(project, ".viben/agents/local/config.yaml"))).toBe(true);
    });
  });

  describe("3. an agent's workdirs and base_path only narrow workdir_roots", () => {
    it("refuses base_path: / (outside the roots)", async () => {
      const res = await call("POST", "/api/agent", { name: "rooted", base_path: "/" });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "WORKSPACE_NOT_ALLOWED", details: { field: "base_path" } });
      await expectUntouched("/");
    });

    it("an agent with workdirs: ['/'] cannot run in /etc or outside HOME by any route", async () => {
      for (const workdir of ["/etc", outside, join(home, "escape")]) {
        const attempts = [
          await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir }),
          await call("POST", "/api/chat", { agent_id: "wide", message: "hi", workdir }),
          await call("POST", "/api/queue", { agent_id: "wide", prompt: "hi", workdir }),
          await call("POST", "/api/agent/wide/sessions", { workdir }),
          await call("POST", "/api/cron", {
            name: "c",
            schedule: "0 3 * * *",
            agent_id: "wide",
            prompt: "hi",
            workdir,
          }),
        ];
        for (const res of attempts) {
          expect(res.status, `${workdir}: ${JSON.stringify(res.body)}`).toBe(400);
          expect(res.body).toMatchObject({
            code: "WORKDIR_NOT_ALLOWED",
            details: { field: "workdir", setting: "workdir_roots" },
          });
          expect(res.body.error).toMatch(/^workdir: .*workdir_roots/);
        }
      }
      if (!etcHadViben) await expectUntouched("/etc");
      const sessions = await call("GET", "/api/sessions?agent_id=wide");
      expect(sessions.body.total).toBe(0);
    });

    it("the same agent still runs inside the roots, and a narrower agent only inside its own list", async () => {
      const inside = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: project });
      expect(inside.status, JSON.stringify(inside.body)).toBe(200);
      const narrow = await call("POST", "/api/agent/narrow/spawn", { prompt: "hi", workdir: home });
      expect(narrow.status).toBe(400);
      expect(narrow.body).toMatchObject({ code: "WORKDIR_NOT_ALLOWED", details: { allowed: [project] } });
      expect(narrow.body.error).toMatch(/outside what agent 'narrow' may use/);
    });

    it("checks a task's workdir when the task is created or edited, not only when it starts", async () => {
      const refused = [
        await call("POST", "/api/tasks", { title: "t", agent_id: "wide", workdir: "/etc" }),
        await call("POST", "/api/tasks", { title: "t", workdir: outside }),
        await call("POST", "/api/tasks", { title: "t", agent_id: "narrow", workdir: home }),
        await call("POST", "/api/tasks", { title: "t", workdir: "/proc/self" }),
      ];
      for (const res of refused) {
        expect(res.status, JSON.stringify(res.body)).toBe(400);
        expect(res.body.details).toMatchObject({ field: "workdir" });
      }
      expect(refused.map((r) => r.body.code)).toEqual([
        "WORKDIR_NOT_ALLOWED",
        "WORKDIR_NOT_ALLOWED",
        "WORKDIR_NOT_ALLOWED",
        "UNSUPPORTED_FILESYSTEM",
      ]);
      expect((await call("GET", "/api/tasks")).body.total).toBe(0);

      const task = await call("POST", "/api/tasks", { title: "t", agent_id: "wide", workdir: project });
      expect(task.status).toBe(201);
      const id = task.body.id as string;
      const moved = await call("PATCH", `/api/tasks/${id}`, { workdir: "/etc" });
      expect(moved.status).toBe(400);
      expect(moved.body.code).toBe("WORKDIR_NOT_ALLOWED");
      // A new agent that may not use the task's current workdir is refused too.
      const reassigned = await call("PATCH", `/api/tasks/${id}`, { workdir: home, agent_id: "narrow" });
      expect(reassigned.status).toBe(400);
      expect((await call("GET", `/api/tasks/${id}`)).body).toMatchObject({
        workdir: project,
        agent_id: "wide",
      });
    });
  });

  describe("widening workdir_roots", () => {
    it("lets the user allow a folder outside HOME by adding it to workdir_roots", async () => {
      await writeFile(
        join(home, ".viben/gateway.yaml"),
        `workdir_roots: [${JSON.stringify(home)}, ${JSON.stringify(outside)}]\n`,
      );
      // gateway.yaml is re-read on change (file watcher): poll until the new roots apply.
      const created = await eventually(async () => {
        const res = await call("POST", "/api/agent", { name: "there", base_path: outside });
        expect(res.status).toBe(201);
        return res;
      });
      expect(created.body.source).toBe("workspace");
      expect(existsSync(join(outside, ".viben/agents/there/config.yaml"))).toBe(true);
      // /etc is still outside, even for the agent whose workdirs say "/".
      const etc = await call("POST", "/api/agent/wide/spawn", { prompt: "hi", workdir: "/etc" });
      expect(etc.body).toMatchObject({ code: "WORKDIR_NOT_ALLOWED", details: { allowed: [home, outside] } });
    });
  });
});
