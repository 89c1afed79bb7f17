import { describe, expect, it } from "vitest";
import type { ExecutorCatalog } from "../../handlers/capabilities/executors.js";
import { createEventBus } from "../../runtime/event-bus.js";
import { RunManager } from "../../runtime/runs/run-manager.js";
import { createTestApp, fakeExecutors, HOME, json, jsonRequest, silentLogger } from "../helpers/app.js";

/**
 * Regressions found by the fuzz of every /openapi.json operation (test/blackbox/openapi-fuzz.test.ts):
 * each malformed input below once got a 500, a non-envelope answer or a silently mangled id.
 */
type Envelope = { error: string; code: string; details: Record<string, unknown> };

describe("malformed input answers a 4xx envelope", () => {
  it("names the expected content type when a body is not JSON (415)", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/agent", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(res.status).toBe(415);
    expect(await json<Envelope>(res)).toEqual({
      error: "request body must be JSON (content-type: application/json), not 'text/plain'",
      code: "UNSUPPORTED_MEDIA_TYPE",
      details: { content_type: "text/plain" },
    });
  });

  it("refuses a path whose percent-encoding is not UTF-8 instead of using it as a literal id", async () => {
    const { app } = createTestApp();
    for (const path of [
      "/api/agent/%C0%AE%C0%AE%2F/history",
      "/api/agent/%FF",
      "/api/tasks/%ED%A0%80",
      "/api/agent/%",
    ]) {
      const res = await app.request(path);
      expect(res.status, path).toBe(400);
      expect(await json<Envelope>(res), path).toMatchObject({ code: "INVALID_PATH_ENCODING" });
    }
    // Nothing was stored under the literal name either.
    const post = await app.request(
      "/api/agent/%C0%AE%C0%AE%2F/history",
      jsonRequest("POST", { prompt: "p" }),
    );
    expect(post.status).toBe(400);
    // Well-formed escapes still decode: `%25` is a literal percent sign, Unicode ids work.
    expect((await app.request("/api/agent/100%25")).status).toBe(404);
    expect((await app.request(`/api/agent/${encodeURIComponent("本地助手")}`)).status).toBe(404);
  });

  it("refuses an id with an unpaired surrogate, which no file name can hold", async () => {
    const { app } = createTestApp();
    const explicit = await app.request("/api/agent", jsonRequest("POST", '{"name":"x","id":"a\\ud800"}'));
    expect(explicit.status).toBe(400);
    expect((await json<Envelope>(explicit)).error).toMatch(/^invalid body: id: must be well-formed Unicode/);

    // A name with one still makes an agent: the derived id leaves it out, and the agent is found by it.
    const derived = await app.request("/api/agent", jsonRequest("POST", '{"name":"\\ud800 helper"}'));
    expect(derived.status).toBe(201);
    const { id } = await json<{ id: string }>(derived);
    expect(id).toBe("helper");
    expect((await app.request(`/api/agent/${id}`)).status).toBe(200);
  });

  it("refuses a NUL in a prompt before the run or its session exists (spawn threw a 500)", async () => {
    const executors: ExecutorCatalog = {
      list: (ws) => fakeExecutors().list(ws),
      get: async (id, ws) => ({ ...(await fakeExecutors().get(id, ws)), command: "/bin/true" }),
    };
    let n = 0;
    const { app, sessions } = createTestApp({
      extend: ({ scopes, sessions }) => ({
        runs: new RunManager({
          sessions,
          events: createEventBus(),
          executors,
          globalScope: scopes.global(),
          env: {},
          logger: silentLogger,
          newId: () => `run-${++n}`,
          now: () => new Date(),
        }),
      }),
    });
    expect(
      (await app.request("/api/agent", jsonRequest("POST", { name: "Coder", executor_type: "CLAUDE_CODE" })))
        .status,
    ).toBe(201);
    const res = await app.request(
      "/api/agent/coder/spawn",
      jsonRequest("POST", { prompt: "list\u0000files", workdir: HOME }),
    );
    expect(res.status).toBe(400);
    expect(await json<Envelope>(res)).toMatchObject({
      code: "VALIDATION_ERROR",
      error: expect.stringMatching(/^prompt: must not contain NUL characters/),
      details: { field: "prompt", agent_id: "coder" },
    });
    expect(await sessions.list()).toEqual([]);
    const chat = await app.request(
      "/api/chat",
      jsonRequest("POST", { message: "a\u0000b", agent_id: "coder", workdir: HOME }),
    );
    expect(chat.status).toBe(400);
    expect(await json<Envelope>(chat)).toMatchObject({ details: { field: "prompt" } });
    expect(await sessions.list()).toEqual([]);

    // The same for an agent field that goes onto the command line.
    await app.request("/api/agent/coder", jsonRequest("PATCH", { model: "opus\u0000" }));
    const byModel = await app.request(
      "/api/agent/coder/spawn",
      jsonRequest("POST", { prompt: "hi", workdir: HOME }),
    );
    expect(byModel.status).toBe(400);
    expect(await json<Envelope>(byModel)).toMatchObject({ details: { field: "model" } });
  });
});
