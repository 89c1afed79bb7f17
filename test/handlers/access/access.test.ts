import { describe, expect, it } from "vitest";
import type { RunHandle, RunRequest, RunService } from "../../../handlers/capabilities/runs.js";
import { createTestApp, json, jsonRequest, PROJECT } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

type Json = Record<string, unknown>;

/** A RunService that records what starts and finishes each run at once. */
function recordingRuns() {
  const started: RunRequest[] = [];
  const runs: RunService = {
    start: async (request): Promise<RunHandle> => {
      started.push(request);
      return {
        runId: `run-${started.length}`,
        sessionId: `sess-${started.length}`,
        pid: 1,
        done: Promise.resolve({
          runId: `run-${started.length}`,
          sessionId: `sess-${started.length}`,
          status: "completed",
          response: "done",
          toolsUsed: [],
          tokens: { input: 1, output: 1 },
          costCents: 0,
        }),
      };
    },
    stop: async () => false,
    isRunning: () => false,
  };
  return { runs, started };
}

function setup(env: Record<string, string> = {}) {
  const fake = recordingRuns();
  const queue = new FakeRunQueue();
  const t = createTestApp({ env, runs: fake.runs, queue });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.request(path, jsonRequest("POST", body, headers));
  const addRule = async (body: Json) => {
    const res = await post("/api/access", body);
    expect(res.status, await res.clone().text()).toBe(201);
    return json(res);
  };
  const check = async (body: Json) => json(await post("/api/access/check", body));
  return { ...t, ...fake, queue, post, addRule, check };
}

describe("access rules", () => {
  it("decides by the first matching rule, and allows when none matches", async () => {
    const { app, addRule, check } = setup();
    const vip = await addRule({
      effect: "allow",
      sender_id: "alice",
      agent_id: "deployer",
      label: "alice deploys",
    });
    const noDeploy = await addRule({ effect: "deny", agent_id: "deployer", label: "nobody else deploys" });
    await addRule({ effect: "deny", channel: "public-*" });

    expect(await check({ channel: "tg", sender_id: "alice", agent_id: "deployer" })).toMatchObject({
      allowed: true,
      rule: { id: vip.id, label: "alice deploys" },
      index: 0,
      default: false,
    });
    const bob = await check({ channel: "tg", sender_id: "bob", agent_id: "deployer" });
    expect(bob).toMatchObject({ allowed: false, rule: { id: noDeploy.id }, index: 1 });
    expect(bob.reason).toBe("denied by rule 'nobody else deploys'");
    expect(await check({ channel: "public-chat", sender_id: "bob", agent_id: "helper" })).toMatchObject({
      allowed: false,
      index: 2,
    });
    const open = await check({ channel: "tg", sender_id: "bob", agent_id: "helper" });
    expect(open).toMatchObject({ allowed: true, rule: null, index: null, default: true });
    expect(open.reason).toContain("by default");

    // Moving the deny rule first changes the answer for alice too.
    await app.request("/api/access/1", { method: "DELETE" });
    await addRule({ effect: "deny", agent_id: "deployer", position: 0 });
    expect(await check({ channel: "tg", sender_id: "alice", agent_id: "deployer" })).toMatchObject({
      allowed: false,
      index: 0,
    });
  });

  it("takes OpenVesper's form: agent with allow and deny lists of channel:identity patterns", async () => {
    const { post, check } = setup();
    const added = await post("/access", {
      agent: "bags-hunter",
      allow: ["telegram:1*"],
      deny: ["telegram:13"],
    });
    expect(added.status).toBe(200);
    expect(await json(added)).toMatchObject({ ok: true, agent: "bags-hunter" });
    const ov = async (identity: string) =>
      json(await post("/access/check", { agent: "bags-hunter", channel: "telegram", identity }));
    expect(await ov("12")).toMatchObject({ allowed: true });
    expect(await ov("13")).toMatchObject({ allowed: false });
    expect(await ov("99")).toMatchObject({ allowed: false });
    expect(await check({ channel: "telegram", sender_id: "99", agent_id: "other" })).toMatchObject({
      allowed: true,
      default: true,
    });
  });

  it("refuses a rule without an effect, and malformed fields, with a 400", async () => {
    const { post, app } = setup();
    const noEffect = await post("/api/access", { sender_id: "x" });
    expect(noEffect.status).toBe(400);
    expect(String((await json(noEffect)).error)).toContain("effect");
    expect((await post("/api/access", { effect: "maybe" })).status).toBe(400);
    expect((await post("/api/access", { effect: "deny", sender_id: 5 })).status).toBe(400);
    expect((await app.request("/api/access/access-nope", { method: "DELETE" })).status).toBe(404);
    expect(await json(await app.request("/access/0", { method: "DELETE" }))).toEqual({ removed: false });
  });

  it("refuses API runs an access rule denies, with 403 naming the rule, and starts nothing", async () => {
    const { post, addRule, started, queue } = setup();
    for (const name of ["Coder", "Deployer"]) {
      const res = await post("/api/agent", { name, executor_type: "CLAUDE_CODE" });
      expect(res.status).toBe(201);
    }
    const rule = await addRule({ effect: "deny", agent_id: "deployer", label: "deploys are manual" });

    const attempts = [
      ["/api/agent/deployer/spawn", { prompt: "ship it", workdir: PROJECT }],
      ["/api/chat", { agent_id: "deployer", message: "ship it" }],
      ["/api/queue", { agent_id: "deployer", prompt: "ship it" }],
    ] as const;
    for (const [path, body] of attempts) {
      const res = await post(path, body);
      expect(res.status, path).toBe(403);
      const error = await json(res);
      expect(error).toMatchObject({
        code: "ACCESS_DENIED",
        details: { agent_id: "deployer", rule: { id: rule.id, label: "deploys are manual" }, index: 0 },
      });
      expect(String(error.error)).toContain("deploys are manual");
    }
    expect(started).toEqual([]);
    expect(queue.jobs.size).toBe(0);

    expect((await post("/api/agent/coder/spawn", { prompt: "hi", workdir: PROJECT })).status).toBe(200);
    expect((await post("/api/chat", { agent_id: "coder", message: "hi" })).status).toBe(200);
    expect(started.map((r) => r.agent.id)).toEqual(["coder", "coder"]);
  });

  it("matches API key names, and only admins change the rules", async () => {
    const env = { ADMIN: "admin-key-0123456789", CI: "ci-key-0123456789", OPS: "ops-key-0123456789" };
    const { scopes, post, started } = setup(env);
    await scopes.global().store.write("gateway.yaml", {
      api_keys: [
        { name: "admin", key: "${ADMIN}", role: "admin" },
        { name: "ci-bot", key: "${CI}", role: "operator" },
        { name: "ops", key: "${OPS}", role: "operator" },
      ],
    });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });
    expect((await post("/api/access", { effect: "deny", api_key: "ci-*" }, as(env.OPS))).status).toBe(403);
    expect((await post("/api/access", { effect: "deny", api_key: "ci-*" }, as(env.ADMIN))).status).toBe(201);
    expect(
      (await post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" }, as(env.ADMIN))).status,
    ).toBe(201);
    const ci = await post("/api/agent/coder/spawn", { prompt: "x", workdir: PROJECT }, as(env.CI));
    expect(ci.status).toBe(403);
    expect(await json(ci)).toMatchObject({ code: "ACCESS_DENIED", details: { api_key: "ci-bot" } });
    expect(
      (await post("/api/agent/coder/spawn", { prompt: "x", workdir: PROJECT }, as(env.OPS))).status,
    ).toBe(200);
    expect(started).toHaveLength(1);
  });
});
