import { describe, expect, it } from "vitest";
import { queueApp } from "../../fixtures/queue-harness.js";
import { createTestApp, HOME, json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Json = Record<string, unknown>;

async function setup() {
  const ctx = await queueApp();
  const send = async (method: string, path: string, body?: Json) => {
    const res = await ctx.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
    return { status: res.status, body: await json(res) };
  };
  expect((await send("POST", "/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(
    201,
  );
  const create = async (body: Json) => {
    const res = await send("POST", "/api/tasks", body);
    expect(res.status).toBe(201);
    return res.body;
  };
  return { ...ctx, send, create };
}

describe("/api/tasks", () => {
  it("creates, lists, reads, edits and deletes tasks in their workspace", async () => {
    const { send, create, scopes } = await setup();
    expect(
      (await send("POST", "/api/agent", { name: "Local", executor_type: "CLAUDE_CODE", base_path: PROJECT }))
        .status,
    ).toBe(201);
    const global = await create({ title: "Fix the build", description: "CI is red", agent_id: "coder" });
    expect(global).toMatchObject({
      title: "Fix the build",
      description: "CI is red",
      status: "todo",
      agent_id: "coder",
      workspace_path: HOME,
      source: "global",
      attempts: [],
    });
    expect(await scopes.global().store.readRaw(`tasks:${global.id}.yaml`)).toMatch(/title: Fix the build/);
    const local = await create({
      title: "本地任务",
      workspace_path: PROJECT,
      agent_id: "local",
      id: "t-local",
    });
    expect(local).toMatchObject({ id: "t-local", workspace_path: PROJECT, source: "workspace" });
    expect(await scopes.workspace(PROJECT).store.readRaw("tasks:t-local.yaml")).toMatch(/本地任务/);

    const all = await send("GET", `/api/tasks?workspace_path=${PROJECT}`);
    expect((all.body.tasks as Json[]).map((t) => t.id)).toEqual([global.id, "t-local"]);
    const own = await send("GET", `/api/tasks?workspace_path=${PROJECT}&include_global=false`);
    expect((own.body.tasks as Json[]).map((t) => t.id)).toEqual(["t-local"]);
    expect((await send("GET", "/api/tasks?status=done")).body.total).toBe(0);
    expect((await send("GET", `/api/tasks/t-local?workspace_path=${PROJECT}`)).body.title).toBe("本地任务");
    expect((await send("GET", "/api/tasks/t-local")).status).toBe(404);

    const edited = await send("PATCH", `/api/tasks/${global.id}`, { title: "Fix CI", workdir: HOME });
    expect(edited.body).toMatchObject({ title: "Fix CI", workdir: HOME, description: "CI is red" });
    const cleared = await send("PATCH", `/api/tasks/${global.id}`, { workdir: null, agent_id: null });
    expect(cleared.body.workdir).toBeUndefined();
    expect(cleared.body.agent_id).toBeUndefined();
    expect((await send("DELETE", `/api/tasks/${global.id}`)).body).toEqual({ success: true, id: global.id });
    expect((await send("GET", `/api/tasks/${global.id}`)).status).toBe(404);
  });

  it("validates input with 400s naming the field", async () => {
    const { send } = await setup();
    expect((await send("POST", "/api/tasks", { title: "  " })).body.error).toMatch(/title/);
    expect((await send("POST", "/api/tasks", { title: "x", agent_id: "ghost" })).body).toMatchObject({
      code: "AGENT_NOT_FOUND",
      details: { field: "agent_id" },
    });
    expect((await send("POST", "/api/tasks", { title: "x", workdir: "/no/such" })).body.code).toBe(
      "WORKDIR_NOT_FOUND",
    );
    expect((await send("POST", "/api/tasks", { title: "x", id: "../etc" })).status).toBe(400);
    expect((await send("POST", "/api/tasks", { title: "x", colour: "red" })).status).toBe(400);
    expect((await send("POST", "/api/tasks", { title: "x", workspace_path: "/nope" })).body.code).toBe(
      "WORKSPACE_NOT_FOUND",
    );
    await send("POST", "/api/tasks", { title: "x", id: "same" });
    expect((await send("POST", "/api/tasks", { title: "y", id: "same" })).status).toBe(409);
    expect((await send("PATCH", "/api/tasks/same", { status: "bogus" })).status).toBe(400);
  });

  it("starts a task through the queue: todo → inprogress → inreview, each attempt linked to its run", async () => {
    const { send, create, runs, settle } = await setup();
    const task = await create({ title: "Write docs", description: "for the queue", agent_id: "coder" });
    const started = await send("POST", `/api/tasks/${task.id}/start`);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ status: "inprogress", attempts: [{ n: 1, status: "queued" }] });
    const jobId = (started.body.attempts as Json[])[0]!.job_id as string;
    expect((await send("POST", `/api/tasks/${task.id}/start`)).body.code).toBe("ILLEGAL_TRANSITION");
    await settle();
    expect(runs.prompts).toEqual(["Write docs\n\nfor the queue"]);
    expect(runs.runs[0]?.request).toMatchObject({ workdir: HOME, source: "task" });
    const job = await send("GET", `/api/queue/${jobId}`);
    expect(job.body).toMatchObject({ source: "task", source_id: task.id, status: "running" });
    expect((await send("GET", `/api/tasks/${task.id}`)).body.attempts).toMatchObject([
      { n: 1, job_id: jobId, status: "running", run_id: "run-1", session_id: "session-1" },
    ]);
    expect((await send("DELETE", `/api/tasks/${task.id}`)).body.code).toBe("TASK_IN_PROGRESS");

    runs.byPrompt("Write docs\n\nfor the queue").finish();
    await settle();
    const reviewed = await send("GET", `/api/tasks/${task.id}`);
    expect(reviewed.body).toMatchObject({
      status: "inreview",
      attempts: [{ n: 1, status: "succeeded", run_id: "run-1", session_id: "session-1" }],
    });
    expect((reviewed.body.attempts as Json[])[0]?.ended_at).toBeTypeOf("string");

    // From review it may be started again; a failed run sends it back to todo with the attempt kept.
    expect((await send("POST", `/api/tasks/${task.id}/start`)).status).toBe(202);
    await settle();
    runs.running()[0]!.finish("failed", "exit 3");
    await settle();
    const failed = await send("GET", `/api/tasks/${task.id}`);
    expect(failed.body.status).toBe("todo");
    expect(failed.body.attempts).toMatchObject([
      { n: 1, status: "succeeded" },
      { n: 2, status: "failed", error: "exit 3", run_id: "run-2" },
    ]);
  });

  it("moves by hand only where allowed (409 otherwise), and cancelling an inprogress task stops its run", async () => {
    const { send, create, runs, settle } = await setup();
    const task = await create({ title: "Refactor", agent_id: "coder" });
    const illegal = await send("PATCH", `/api/tasks/${task.id}`, { status: "inreview", title: "ignored" });
    expect(illegal).toMatchObject({
      status: 409,
      body: { code: "ILLEGAL_TRANSITION", details: { from: "todo" } },
    });
    expect((await send("GET", `/api/tasks/${task.id}`)).body.title).toBe("Refactor");
    expect((await send("PATCH", `/api/tasks/${task.id}`, { status: "done" })).body.status).toBe("done");
    expect((await send("POST", `/api/tasks/${task.id}/start`)).status).toBe(409);
    expect((await send("PATCH", `/api/tasks/${task.id}`, { status: "todo" })).body.status).toBe("todo");

    // PATCH to inprogress starts it, like POST …/start.
    expect((await send("PATCH", `/api/tasks/${task.id}`, { status: "inprogress" })).body.status).toBe(
      "inprogress",
    );
    await settle();
    expect(runs.running()).toHaveLength(1);
    const cancelled = await send("PATCH", `/api/tasks/${task.id}`, { status: "cancelled" });
    expect(cancelled.body).toMatchObject({ status: "cancelled", attempts: [{ status: "cancelled" }] });
    await settle();
    expect(runs.running()).toHaveLength(0);
    expect((await send("GET", `/api/tasks/${task.id}`)).body.status).toBe("cancelled");
    expect((await send("PATCH", `/api/tasks/${task.id}`, { status: "done" })).status).toBe(409);
  });

  it("starts with the workspace's default agent in the workspace, and refuses without any agent", async () => {
    const { send, create, runs, settle } = await setup();
    const none = await create({ title: "Orphan" });
    expect((await send("POST", `/api/tasks/${none.id}/start`)).body).toMatchObject({ code: "NO_AGENT" });
    expect((await send("GET", `/api/tasks/${none.id}`)).body.status).toBe("todo");

    await send("POST", "/api/agent", { name: "Local", executor_type: "CLAUDE_CODE", base_path: PROJECT });
    await send("PUT", `/api/agent/default?workspace_path=${PROJECT}`, { agent_id: "local" });
    const task = await create({ title: "Local work", workspace_path: PROJECT });
    expect((await send("POST", `/api/tasks/${task.id}/start?workspace_path=${PROJECT}`)).status).toBe(202);
    await settle();
    expect(runs.runs[0]?.request).toMatchObject({ workdir: PROJECT, prompt: "Local work" });
    expect(runs.runs[0]?.request.agent.id).toBe("local");
    runs.runs[0]!.finish();
    await settle();
    expect((await send("GET", `/api/tasks/${task.id}?workspace_path=${PROJECT}`)).body.status).toBe(
      "inreview",
    );
  });

  it("keeps task CRUD where the runtime has no queue, and answers 501 to a start", async () => {
    const { app } = createTestApp();
    const created = await app.request("/api/tasks", jsonRequest("POST", { title: "Edge" }));
    expect(created.status).toBe(201);
    const { id } = await json(created);
    const start = await app.request(`/api/tasks/${id}/start`, { method: "POST" });
    expect(start.status).toBe(501);
  });
});
