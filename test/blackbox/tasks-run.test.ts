import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

/** Tasks driven through real runs (the fake Claude CLI) in a workspace: status flow, sessions, board. */
describe("tasks run their agent through the queue", () => {
  let home: string;
  let workspace: string;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);
  const task = (id: string) => get(`/api/tasks/${id}?workspace_path=${workspace}`);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-tasks-"));
    workspace = join(home, "project");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await mkdir(workspace);
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    gw = await startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });
    const agent = await post("/api/agent", {
      name: "Coder",
      executor_type: "CLAUDE_CODE",
      base_path: workspace,
    });
    expect(agent.status).toBe(201);
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  it("moves todo → inprogress → inreview with the attempt linked to its session", async () => {
    const created = await post("/api/tasks", {
      title: "Say hello",
      description: "to the queue",
      agent_id: "coder",
      workspace_path: workspace,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await readFile(join(workspace, `.viben/tasks/${id}.yaml`), "utf8")).toMatch(/status: todo/);

    const started = await post(`/api/tasks/${id}/start?workspace_path=${workspace}`, {});
    expect(started.status).toBe(202);
    expect(started.body.status).toBe("inprogress");
    const done = await eventually(async () => {
      const now = await task(id);
      expect(now.status).toBe("inreview");
      return now;
    }, 15_000);
    const [attempt] = done.attempts as Json[];
    expect(attempt).toMatchObject({ n: 1, status: "succeeded" });
    const session = await get(`/api/agent/coder/sessions/${attempt!.session_id}`);
    expect(session).toMatchObject({
      id: attempt!.session_id,
      workdir: workspace,
      last_run: { run_id: attempt!.run_id },
    });
    const messages = await get(`/api/agent/coder/sessions/${attempt!.session_id}/messages`);
    expect((messages.messages as Json[])[0]).toMatchObject({
      role: "user",
      content: "Say hello\n\nto the queue",
    });
    const job = await get(`/api/queue/${attempt!.job_id}`);
    expect(job).toMatchObject({
      status: "succeeded",
      source: "task",
      source_id: id,
      run_id: attempt!.run_id,
    });
    expect(await readFile(join(workspace, `.viben/tasks/${id}.yaml`), "utf8")).toMatch(/status: inreview/);
  });

  it("sends a task whose run fails back to todo, and a board move starts it again", async () => {
    const created = await post("/api/tasks", {
      title: "Please fail",
      agent_id: "coder",
      workspace_path: workspace,
    });
    const id = created.body.id as string;
    await post(`/api/tasks/${id}/start?workspace_path=${workspace}`, {});
    const failed = await eventually(async () => {
      const now = await task(id);
      expect((now.attempts as Json[])[0]?.status).toBe("failed");
      return now;
    }, 15_000);
    expect(failed.status).toBe("todo");

    const moved = await post("/api/kanban/move", {
      task_id: id,
      column: "inprogress",
      position: 0,
      workspace_path: workspace,
    });
    expect(moved.status).toBe(200);
    const columns = moved.body.columns as { id: string; tasks: Json[] }[];
    expect(columns.find((c) => c.id === "inprogress")?.tasks.map((t) => t.id)).toEqual([id]);
    const again = await eventually(async () => {
      const now = await task(id);
      expect(now.attempts).toHaveLength(2);
      expect((now.attempts as Json[])[1]?.status).toBe("failed");
      return now;
    }, 15_000);
    expect(again.status).toBe("todo");
    const board = await get(`/api/kanban?workspace_path=${workspace}`);
    const todo = (board.columns as { id: string; tasks: Json[] }[]).find((c) => c.id === "todo");
    expect(todo?.tasks.map((t) => t.id)).toContain(id);
  });
});
