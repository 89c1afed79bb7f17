import { describe, expect, it } from "vitest";
import { queueApp } from "../../fixtures/queue-harness.js";
import { createTestApp, HOME, json, jsonRequest } from "../../helpers/app.js";

type Json = Record<string, unknown>;

async function setup(settings: Parameters<typeof queueApp>[0] = {}) {
  const ctx = await queueApp(settings);
  const res = await ctx.app.request(
    "/api/agent",
    jsonRequest("POST", { name: "Coder", executor_type: "CLAUDE_CODE" }),
  );
  expect(res.status).toBe(201);
  const post = async (body: Json, query = "") => {
    const r = await ctx.app.request(`/api/queue${query}`, jsonRequest("POST", body));
    return { status: r.status, body: await json(r) };
  };
  const get = async (path: string) => json(await ctx.app.request(path));
  return { ...ctx, post, get };
}

describe("/api/queue", () => {
  it("queues a run (202) that starts when its lane has room, and reports status, position and waiting time", async () => {
    const { post, get, runs, settle, clock } = await setup({ settings: { per_agent: 1 } });
    const first = await post({ agent_id: "coder", prompt: "one", workdir: HOME });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      agent_id: "coder",
      prompt: "one",
      source: "api",
      status: "queued",
      priority: 0,
    });
    const second = await post({ agent_id: "coder", prompt: "two", priority: 2, max_attempts: 3 });
    await settle();
    expect(runs.prompts).toEqual(["one"]);
    expect(runs.runs[0]?.request).toMatchObject({ workdir: HOME, source: "queue" });
    expect(runs.runs[0]?.request.agent.id).toBe("coder");

    clock.advance(1500);
    const job = await get(`/api/queue/${second.body.id}`);
    expect(job).toMatchObject({ status: "queued", position: 1, waiting_ms: 1500, max_attempts: 3 });
    const running = await get(`/api/queue/${first.body.id}`);
    expect(running).toMatchObject({
      status: "running",
      attempts: 1,
      run_id: "run-1",
      session_id: "session-1",
    });
    expect(running.position).toBeUndefined();

    const list = await get("/api/queue");
    expect((list.jobs as Json[]).map((j) => j.prompt)).toEqual(["one", "two"]);
    expect(list.total).toBe(2);
    expect(((await get("/api/queue?status=queued")).jobs as Json[]).map((j) => j.prompt)).toEqual(["two"]);
    expect((await get("/api/queue?source=cron")).total).toBe(0);
    expect((await get("/api/queue?agent_id=coder&limit=1")).jobs).toHaveLength(1);

    const lanes = await get("/api/queue/lanes");
    expect(lanes).toMatchObject({
      limits: { per_agent: 1 },
      global: { running: 1, queued: 1 },
      agents: [{ agent_id: "coder", running: 1, queued: 1, limit: 1 }],
      workspaces: [{ workspace_path: HOME, running: 1, queued: 1 }],
    });

    runs.byPrompt("one").finish();
    await settle();
    expect(await get(`/api/queue/${first.body.id}`)).toMatchObject({ status: "succeeded" });
    expect(runs.prompts).toEqual(["one", "two"]);
  });

  it("refuses bad jobs with a 4xx naming the field, before queueing anything", async () => {
    const { app, post, get } = await setup();
    const missing = await post({ agent_id: "coder" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/prompt/);
    expect((await post({ agent_id: "coder", prompt: "x", bogus: 1 })).status).toBe(400);
    expect((await post({ agent_id: "coder", prompt: "x", priority: 1.5 })).body.error).toMatch(/priority/);
    expect((await post({ agent_id: "coder", prompt: "x", max_attempts: 0 })).body.error).toMatch(
      /max_attempts/,
    );
    const unknown = await post({ agent_id: "ghost", prompt: "x" });
    expect(unknown).toMatchObject({ status: 404, body: { code: "AGENT_NOT_FOUND" } });
    const outside = await post({ agent_id: "coder", prompt: "x", workdir: "/tmp" });
    expect(outside).toMatchObject({ status: 400, body: { code: "WORKDIR_NOT_ALLOWED" } });
    expect((await post({ agent_id: "coder", prompt: "x", workdir: "relative" })).body.code).toBe(
      "INVALID_WORKDIR",
    );
    expect((await post({ agent_id: "coder", prompt: "x" }, "?workspace_path=/nope")).body.code).toBe(
      "WORKSPACE_NOT_FOUND",
    );
    await app.request("/api/agent", jsonRequest("POST", { name: "Other", executor_type: "CODEX" }));
    await app.request("/api/agent/other/sessions", jsonRequest("POST", { workdir: HOME, id: "s-other" }));
    const foreign = await post({ agent_id: "coder", prompt: "x", session_id: "s-other" });
    expect(foreign).toMatchObject({ status: 409, body: { code: "SESSION_AGENT_MISMATCH" } });
    expect((await get("/api/queue")).total).toBe(0);
    expect((await get("/api/queue?status=bogus")).code).toBe("VALIDATION_ERROR");
  });

  it("cancels with DELETE or POST …/cancel: queued at once, running by stopping the run; 409 once finished", async () => {
    const { app, post, runs, settle } = await setup();
    const running = await post({ agent_id: "coder", prompt: "long" });
    const queued = await post({ agent_id: "coder", prompt: "later" });
    await settle();
    const del = await app.request(`/api/queue/${queued.body.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await json(del)).toMatchObject({ status: "cancelled", attempts: 0 });

    const stop = await app.request(`/api/queue/${running.body.id}/cancel`, { method: "POST" });
    expect(stop.status).toBe(200);
    expect(await json(stop)).toMatchObject({ status: "cancelled", attempt_log: [{ status: "cancelled" }] });
    expect(runs.runs[0]?.ended).toBe(true);
    await settle();
    expect(runs.prompts).toEqual(["long"]);

    const done = await post({ agent_id: "coder", prompt: "quick" });
    await settle();
    runs.byPrompt("quick").finish();
    await settle();
    const late = await app.request(`/api/queue/${done.body.id}/cancel`, { method: "POST" });
    expect(late.status).toBe(409);
    expect((await json(late)).code).toBe("JOB_FINISHED");
    expect((await app.request("/api/queue/nope")).status).toBe(404);
    expect((await app.request("/api/queue/nope", { method: "DELETE" })).status).toBe(404);
  });

  it("answers 501 where the runtime has no queue", async () => {
    const { app } = createTestApp();
    for (const [path, init] of [
      ["/api/queue", undefined],
      ["/api/queue/lanes", undefined],
      ["/api/queue", jsonRequest("POST", { agent_id: "coder", prompt: "x" })],
    ] as const) {
      const res = await app.request(path, init);
      expect(res.status).toBe(501);
      expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    }
  });

  it("lets viewers read the queue and only operators change it", async () => {
    const env = { OP_KEY: "operator-secret-0123456789", VIEW_KEY: "viewer-secret-0123456789" };
    const { app, scopes } = await queueApp({ env });
    await scopes
      .global()
      .store.writeRaw(
        "gateway.yaml",
        "api_keys:\n  - { name: ops, key: '${OP_KEY}', role: operator }\n  - { name: dash, key: '${VIEW_KEY}', role: viewer }\n",
      );
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    expect((await app.request("/api/queue", { headers: as(env.VIEW_KEY) })).status).toBe(200);
    expect((await app.request("/api/queue/lanes", { headers: as(env.VIEW_KEY) })).status).toBe(200);
    const refused = await app.request(
      "/api/queue",
      jsonRequest("POST", { agent_id: "CLAUDE_CODE", prompt: "x" }, as(env.VIEW_KEY)),
    );
    expect(refused.status).toBe(403);
    const accepted = await app.request(
      "/api/queue",
      jsonRequest("POST", { agent_id: "CLAUDE_CODE", prompt: "x" }, as(env.OP_KEY)),
    );
    expect(accepted.status).toBe(202);
    const id = (await json(accepted)).id as string;
    expect(
      (await app.request(`/api/queue/${id}`, { method: "DELETE", headers: as(env.VIEW_KEY) })).status,
    ).toBe(403);
  });
});
