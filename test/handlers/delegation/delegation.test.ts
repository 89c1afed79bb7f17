import { describe, expect, it } from "vitest";
import type {
  DelegationRecord,
  DelegationRequest,
  DelegationService,
  HandoffRequest,
} from "../../../handlers/capabilities/delegation.js";
import { conflict } from "../../../storage/errors.js";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

type Body = Record<string, unknown> & { error?: string; code?: string; details?: Record<string, unknown> };

/** A delegation service that records what the routes asked of it and answers from the task. */
function fakeDelegation() {
  const asked: DelegationRequest[] = [];
  const handoffs: HandoffRequest[] = [];
  const service: DelegationService = {
    async delegate(request) {
      asked.push(request);
      if (request.agentId === "deep") throw conflict("DELEGATION_DEPTH_EXCEEDED", "too deep", { depth: 4 });
      const record: DelegationRecord = {
        id: `d${asked.length}`,
        agent_id: request.agentId,
        task: request.task,
        channel: request.channel ?? "http",
        depth: 1,
        session_id: `s${asked.length}`,
        run_id: `r${asked.length}`,
        status: request.task === "fail" ? "failed" : "completed",
        reply: `did: ${request.task}`,
        ...(request.task === "fail" ? { error: "exit 1" } : {}),
        tokens: { input: 1, output: 1 },
        cost_cents: 0,
        started_at: "2026-01-01T00:00:00.000Z",
        duration_ms: 5,
      };
      return record;
    },
    async handoff(request) {
      handoffs.push(request);
      return { session_id: request.sessionId, from_agent_id: "a", agent_id: request.agentId };
    },
    list: async () => [],
    maxDepth: async () => 3,
    handleMcp: async () => new Response(null, { status: 204 }),
  };
  return { service, asked, handoffs };
}

function appWith(delegation?: DelegationService) {
  return createTestApp({ extend: () => (delegation ? { delegation } : {}) });
}

describe("delegation routes: validation", () => {
  it("names the missing fields of a delegation in either spelling", async () => {
    const { app } = appWith(fakeDelegation().service);
    const res = await app.request("/agent/delegate", jsonRequest("POST", { query: "x" }));
    expect(res.status).toBe(400);
    const body = await json<Body>(res);
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.error).toContain("agent_id: required (or delegateAgent)");
    const noTask = await app.request(
      "/api/delegations",
      jsonRequest("POST", { agent_id: "codex", task: "" }),
    );
    expect(noTask.status).toBe(400);
    expect((await json<Body>(noTask)).error).toContain("task: must not be empty");
  });

  it("refuses an unsafe agent id, more than ten sub-agents, and none", async () => {
    const { app } = appWith(fakeDelegation().service);
    const bad = await app.request(
      "/agent/delegate",
      jsonRequest("POST", { delegateAgent: "../x", query: "q" }),
    );
    expect(bad.status).toBe(400);
    expect((await json<Body>(bad)).error).toContain("delegateAgent");
    const tasks = Array.from({ length: 11 }, () => ({ agent: "a", query: "q" }));
    const many = await app.request("/agent/subagents", jsonRequest("POST", { tasks }));
    expect(many.status).toBe(400);
    expect((await json<Body>(many)).error).toContain("at most 10 sub-agents");
    const none = await app.request("/agent/subagents", jsonRequest("POST", { tasks: [] }));
    expect(none.status).toBe(400);
  });

  it("checks a delegation's workspace_path before anything runs", async () => {
    const fake = fakeDelegation();
    const { app } = appWith(fake.service);
    for (const workspace_path of ["relative", "/nowhere", "/home/tester/project/../.."]) {
      const res = await app.request(
        "/api/delegations",
        jsonRequest("POST", { agent_id: "a", task: "t", workspace_path }),
      );
      expect(res.status, workspace_path).toBe(400);
      expect((await json<Body>(res)).error).toContain("workspace_path");
    }
    expect(fake.asked).toEqual([]);
  });

  it("refuses a handoff without its session or agent, and a route without a message", async () => {
    const { app } = appWith(fakeDelegation().service);
    const handoff = await app.request("/agent/handoff", jsonRequest("POST", { newAgent: "b" }));
    expect(handoff.status).toBe(400);
    expect((await json<Body>(handoff)).error).toContain("session_id: required (or sessionKey)");
    const route = await app.request("/agent/route", jsonRequest("POST", { channel: "cli" }));
    expect(route.status).toBe(400);
    expect((await json<Body>(route)).error).toContain("message");
    const notJson = await app.request("/agent/route", jsonRequest("POST", "{nope"));
    expect(notJson.status).toBe(400);
  });

  it("answers 501 where the runtime has no delegation (workerd)", async () => {
    const { app } = appWith();
    const res = await app.request("/agent/delegate", jsonRequest("POST", { delegateAgent: "a", query: "q" }));
    expect(res.status).toBe(501);
    expect((await json<Body>(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    const mcp = await app.request("/mcp", jsonRequest("POST", {}));
    expect(mcp.status).toBe(501);
  });
});

describe("delegation routes: both spellings reach one service", () => {
  it("maps OpenVesper's fields and ours onto the same request", async () => {
    const fake = fakeDelegation();
    const { app } = appWith(fake.service);
    const original = await app.request(
      "/agent/delegate",
      jsonRequest("POST", {
        parentSessionKey: "k",
        delegateAgent: "codex",
        query: "sum",
        inheritContext: true,
      }),
    );
    expect(original.status).toBe(200);
    expect(await json(original)).toMatchObject({
      delegatedTo: "codex",
      reply: "did: sum",
      subSessionKey: "s1",
    });
    const ours = await app.request(
      "/api/delegations",
      jsonRequest("POST", { parent_session_key: "k", agent_id: "codex", task: "sum", inherit_context: true }),
    );
    expect(ours.status).toBe(200);
    expect(fake.asked.map((r) => [r.agentId, r.task, r.parentSessionKey, r.inheritContext])).toEqual([
      ["codex", "sum", "k", true],
      ["codex", "sum", "k", true],
    ]);
  });

  it("turns a failed delegated run into 502 with the record, and a refusal into its status", async () => {
    const { app } = appWith(fakeDelegation().service);
    const failed = await app.request(
      "/agent/delegate",
      jsonRequest("POST", { delegateAgent: "a", query: "fail" }),
    );
    expect(failed.status).toBe(502);
    const body = await json<Body>(failed);
    expect(body.code).toBe("RUN_FAILED");
    expect(body.details?.delegation).toMatchObject({ status: "failed", error: "exit 1" });
    const deep = await app.request(
      "/agent/delegate",
      jsonRequest("POST", { delegateAgent: "deep", query: "q" }),
    );
    expect(deep.status).toBe(409);
    expect((await json<Body>(deep)).code).toBe("DELEGATION_DEPTH_EXCEEDED");
  });

  it("gathers sub-agents with per-task errors, as the original does", async () => {
    const { app } = appWith(fakeDelegation().service);
    const res = await app.request(
      "/api/delegations/parallel",
      jsonRequest("POST", {
        tasks: [
          { agent_id: "a", task: "one" },
          { agent: "deep", query: "two" },
        ],
      }),
    );
    expect(res.status).toBe(200);
    const body = await json<{ count: number; results: Body[] }>(res);
    expect(body.count).toBe(2);
    expect(body.results[0]).toMatchObject({ agent: "a", query: "one", reply: "did: one" });
    expect(body.results[1]).toMatchObject({ agent: "deep", reply: "", code: "DELEGATION_DEPTH_EXCEEDED" });
  });
});

describe("routing rules", () => {
  it("answers from routes.yaml and refuses a broken file with 422 naming the field", async () => {
    const { app, scopes } = appWith();
    await scopes
      .global()
      .store.writeRaw("routes.yaml", "rules:\n  - agent: helper\n    keywords: [invoice]\n");
    const res = await app.request("/agent/route", jsonRequest("POST", { message: "An INVOICE question" }));
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      agent_id: "helper",
      decided_by: "rule",
      explanation: "rule '#1' (1 of 1) matched: keyword \"invoice\"",
      mode: "helper",
    });
    const none = await app.request(
      "/agent/route",
      jsonRequest("POST", { message: "hi", currentAgent: "me" }),
    );
    expect(await json(none)).toMatchObject({ agent_id: "me", decided_by: "current", score: 0 });

    await scopes.global().store.writeRaw("routes.yaml", "rules:\n  - agent: helper\n    regex: '('\n");
    const broken = await app.request("/api/routing/rules");
    expect(broken.status).toBe(422);
    const body = await json<Body>(broken);
    expect(body.code).toBe("INVALID_ROUTES_FILE");
    expect(body.error).toContain("rules.0.regex: not a valid regex");
  });

  it("refuses a workspace_path that is not absolute", async () => {
    const { app } = appWith();
    const res = await app.request(
      "/api/routing/route",
      jsonRequest("POST", { message: "m", workspace_path: "rel" }),
    );
    expect(res.status).toBe(400);
    expect((await json<Body>(res)).error).toContain("workspace_path");
  });

  it("stores an agent's context per conversation and clears it with an empty string", async () => {
    const { app } = appWith();
    const set = await app.request(
      "/agent/helper/context",
      jsonRequest("POST", { sessionKey: "a:b", context: "ctx" }),
    );
    expect(await json(set)).toMatchObject({ sessionKey: "a:b", context: "ctx", promptLength: 38 });
    const read = await app.request("/api/agent-context/helper?session_key=a%3Ab");
    expect(await json(read)).toMatchObject({ context: "ctx" });
    await app.request("/api/agent-context/helper", jsonRequest("PUT", { session_key: "a:b", context: "" }));
    const cleared = await app.request("/api/agent-context/helper?session_key=a%3Ab");
    expect(await json(cleared)).toMatchObject({ context: "", updated_at: null });
    const badAgent = await app.request("/agent/..%2Fx/context", jsonRequest("POST", {}));
    expect(badAgent.status).toBe(400);
  });
});
