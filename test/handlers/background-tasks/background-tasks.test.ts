// Extends zod with .openapi() before storage modules build their schemas.
import "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { BackgroundTaskScheduler } from "../../../runtime/background-tasks.js";
import { BackgroundTaskRepository } from "../../../storage/background-tasks.js";
import { createTestApp, json, silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

function setup() {
  let tasks: BackgroundTaskScheduler | undefined;
  const queue = new FakeRunQueue();
  const t = createTestApp({
    queue,
    extend: ({ scopes, sessions }) => {
      tasks = new BackgroundTaskScheduler({
        repository: new BackgroundTaskRepository(scopes.global()),
        queue,
        sessions,
        logger: silentLogger,
        defaultAgent: async () => "claude",
      });
      return { backgroundTasks: tasks };
    },
  });
  const send = (method: string, path: string, body?: unknown) =>
    t.app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return { ...t, tasks: tasks!, queue, send };
}

const later = () => Date.now() + 3_600_000;

describe("/tasks and /api/background-tasks", () => {
  it("refuses bad bodies with a 400 naming the field, and writes nothing", async () => {
    const { send, tasks } = setup();
    const cases: [unknown, string][] = [
      [{ sessionKey: "s", payload: "hi" }, "kind"],
      [{ kind: "nap", sessionKey: "s", payload: "hi" }, "kind"],
      [{ kind: "reminder", payload: "hi" }, "sessionKey"],
      [{ kind: "reminder", sessionKey: "s", payload: "" }, "payload"],
      [{ kind: "reminder", sessionKey: "s" }, "payload"],
      [{ kind: "reminder", sessionKey: "s", payload: "hi", runAt: -5 }, "runAt"],
      [{ kind: "reminder", sessionKey: "s", payload: "hi", runAt: "tomorrow" }, "runAt"],
      [{ kind: "reminder", sessionKey: "s", payload: "hi", recurEveryMs: 10 }, "recurEveryMs"],
      [{ kind: "deferred-run", sessionKey: "s", payload: "hi", agent: "../etc" }, "agent"],
    ];
    for (const path of ["/tasks", "/api/background-tasks"]) {
      for (const [body, field] of cases) {
        const res = await send("POST", path, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        const error = await json(res);
        expect(error.code).toBe("VALIDATION_ERROR");
        expect(error.error as string, JSON.stringify(body)).toContain(field);
      }
      const notJson = await send("POST", path, "[1,2");
      expect(notJson.status).toBe(400);
    }
    expect(tasks.list()).toEqual([]);
  });

  it("creates, lists, reads and cancels a task in OpenVesper's shape at /tasks", async () => {
    const { send } = setup();
    const runAt = later();
    const res = await send("POST", "/tasks", {
      kind: "deferred-run",
      sessionKey: "cli:main",
      agent: "claude",
      payload: "Prepare the report",
      runAt,
      recurEveryMs: 60_000,
    });
    expect(res.status).toBe(200);
    const task = await json(res);
    expect(task).toMatchObject({
      kind: "deferred-run",
      sessionKey: "cli:main",
      agent: "claude",
      channel: "rest",
      payload: "Prepare the report",
      runAt,
      recurEveryMs: 60_000,
      status: "scheduled",
      startedAt: null,
      completedAt: null,
      result: null,
      error: null,
    });
    expect(typeof task.createdAt).toBe("number");
    const id = task.id as string;

    const list = await json<unknown[]>(await send("GET", "/tasks"));
    expect(list).toHaveLength(1);
    expect(await json<unknown[]>(await send("GET", "/tasks?status=complete"))).toEqual([]);
    expect(await json<unknown[]>(await send("GET", "/tasks?sessionKey=cli:main"))).toHaveLength(1);
    expect(await json<unknown[]>(await send("GET", "/tasks?sessionKey=other"))).toEqual([]);
    expect((await send("GET", "/tasks?status=done")).status).toBe(400);
    expect(await json(await send("GET", `/tasks/${id}`))).toMatchObject({ id, status: "scheduled" });
    expect(await json(await send("GET", "/tasks/status"))).toEqual({
      total: 1,
      scheduled: 1,
      running: 0,
      complete: 0,
    });

    expect(await json(await send("DELETE", `/tasks/${id}`))).toEqual({ cancelled: true });
    expect(await json(await send("DELETE", `/tasks/${id}`))).toEqual({ cancelled: false });
    const unknown = await send("DELETE", "/tasks/t_unknown");
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).code).toBe("TASK_NOT_FOUND");
    expect(await json(await send("GET", `/tasks/${id}`))).toMatchObject({ status: "cancelled" });
    const missing = await send("GET", "/tasks/t_unknown");
    expect(missing.status).toBe(404);
    expect((await json(missing)).code).toBe("TASK_NOT_FOUND");
    expect((await send("GET", "/tasks/..")).status).toBe(404);
  });

  it("answers /api/background-tasks in our conventions over the same tasks", async () => {
    const { send } = setup();
    const runAt = later();
    const res = await send("POST", "/api/background-tasks", {
      kind: "reminder",
      session_key: "desk",
      payload: "Stand up",
      run_at: runAt,
    });
    expect(res.status).toBe(201);
    const task = await json(res);
    expect(task).toMatchObject({
      kind: "reminder",
      session_key: "desk",
      agent_id: null,
      channel: "rest",
      run_at: new Date(runAt).toISOString(),
      recur_every_ms: null,
      status: "scheduled",
    });
    const id = task.id as string;
    // One implementation, two spellings.
    expect(await json(await send("GET", `/tasks/${id}`))).toMatchObject({ sessionKey: "desk", runAt });
    expect(await json(await send("GET", "/api/background-tasks"))).toMatchObject({ total: 1 });
    expect(await json(await send("GET", "/api/background-tasks/status"))).toMatchObject({ scheduled: 1 });
    const cancelled = await send("DELETE", `/api/background-tasks/${id}`);
    expect(cancelled.status).toBe(200);
    expect(await json(cancelled)).toMatchObject({ id, status: "cancelled" });
    const again = await send("DELETE", `/api/background-tasks/${id}`);
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("TASK_ENDED");
    expect((await send("DELETE", "/api/background-tasks/t_none")).status).toBe(404);
  });

  it("keeps every task in its own file, read back by a new scheduler", async () => {
    const { send, scopes, queue } = setup();
    const created = await json(
      await send("POST", "/tasks", { kind: "reminder", sessionKey: "s", payload: "p", runAt: later() }),
    );
    const reloaded = new BackgroundTaskScheduler({
      repository: new BackgroundTaskRepository(scopes.global()),
      queue,
      logger: silentLogger,
      defaultAgent: async () => null,
    });
    await reloaded.load();
    expect(reloaded.get(created.id as string)).toEqual(created);
  });

  it("answers 501 where the runtime has no background tasks, lanes or heartbeat", async () => {
    const { app } = createTestApp();
    for (const path of ["/tasks", "/api/background-tasks", "/lanes", "/api/lanes", "/heartbeat/status"]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(501);
      expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    }
  });
});
