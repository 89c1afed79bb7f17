import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullEdgeInbox } from "../../runtime/edge-sync/inbox-puller.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { eventually } from "../helpers/gateway-process.js";
import { type Fixture, KEYS, SECRET_ENV, SESSION_ID, writeFixture } from "../shared/fixture.js";
import {
  offlineWranglerEnv,
  publishToLocalKv,
  startWranglerDev,
  type WranglerDev,
} from "../shared/wrangler-dev.js";

const ROOT = resolve(import.meta.dirname, "../..");
type Json = Record<string, unknown>;
const admin = { authorization: `Bearer ${KEYS.admin}` };
const operator = { authorization: `Bearer ${KEYS.operator}` };
const hook = { authorization: `Bearer ${KEYS.hook}` };

async function call(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

/** The status a WebSocket upgrade request gets. */
function upgradeStatus(base: string, path: string): Promise<number> {
  const url = new URL(base);
  return new Promise((done, fail) => {
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      path,
      headers: {
        ...admin,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    req.on("response", (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("upgrade", (_res, socket) => {
      socket.destroy();
      done(101);
    });
    req.on("error", fail);
    req.end();
  });
}

const post = (headers: Record<string, string>, body?: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...headers },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/**
 * What only the edge does: refuse process-bound routes and writes with 501, hold webhook wakes in its
 * inbox until the local Node gateway pulls them (`npm run pull:edge`), and follow a new publish.
 */
describe("the edge surface under wrangler dev, with the local gateway beside it", () => {
  let fixture: Fixture;
  let state: string;
  let edge: WranglerDev;
  let local: RunningGateway;

  beforeAll(async () => {
    fixture = await writeFixture({ withKeys: true });
    state = await mkdtemp(join(tmpdir(), "viben-edge-kv-"));
    await publishToLocalKv(fixture.home, join(state, "persist"));
    const envFile = join(state, "secrets.env");
    await writeFile(envFile, `VIBEN_SUITE_ADMIN_KEY=${KEYS.admin}\nVIBEN_SUITE_HOOK_TOKEN=${KEYS.hook}\n`);
    const { VIBEN_HOME: _h, VIBEN_PORT: _p, VIBEN_HOST: _host, ...env } = process.env;
    [edge, local] = await Promise.all([
      startWranglerDev({ persistTo: join(state, "persist"), envFile }),
      startGateway({
        host: "127.0.0.1",
        port: 0,
        env: { ...env, HOME: fixture.home, VIBEN_LOG_LEVEL: "silent", ...SECRET_ENV },
      }),
    ]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([edge?.stop(), local?.close()]);
    await rm(state, { recursive: true, force: true });
    await rm(fixture.home, { recursive: true, force: true });
    await rm(fixture.project, { recursive: true, force: true });
  }, 30_000);

  it("answers 501 NOT_SUPPORTED_IN_RUNTIME where processes, PTYs, schedulers or writes are needed", async () => {
    const cases: [string, string, RequestInit][] = [
      ["spawn", "/api/agent/helper/spawn", post(operator, { prompt: "hi", workdir: fixture.home })],
      ["stop", "/api/agent/helper/stop", post(operator, { session_id: SESSION_ID })],
      ["chat", "/api/chat", post(operator, { message: "hi" })],
      ["events", "/api/events", { headers: admin }],
      ["ws", "/ws", { headers: admin }],
      ["terminal ws", "/terminal/ws", { headers: admin }],
      ["acp ws", "/ws/agent/acp", { headers: admin }],
      ["terminals", "/api/terminals", { headers: admin }],
      ["queue", "/api/queue", { headers: admin }],
      ["enqueue", "/api/queue", post(operator, { agent_id: "helper", prompt: "x" })],
      ["heartbeat", "/api/heartbeat/status", { headers: admin }],
      ["heartbeat reload", "/api/heartbeat/reload", post(admin)],
      ["cron run", "/api/cron/nightly/run", post(operator)],
      ["cron pause", "/api/cron/nightly/pause", post(operator)],
      ["cron resume", "/api/cron/nightly/resume", post(operator)],
      [
        "cron create",
        "/api/cron",
        post(operator, { name: "x", schedule: "@daily", agent_id: "helper", prompt: "x" }),
      ],
      ["telemetry", "/api/telemetry", { headers: admin }],
      ["metrics", "/api/telemetry/metrics", { headers: admin }],
      ["provider test", "/api/providers/gpu/test", post(operator, {})],
      ["create agent", "/api/agent", post(operator, { name: "Edge Made" })],
      ["patch agent", "/api/agent/helper", post(operator, { description: "changed" }, "PATCH")],
      ["delete agent", "/api/agent/helper", post(operator, undefined, "DELETE")],
      ["default agent", "/api/agent/default", post(operator, { agent_id: "helper" }, "PUT")],
      ["create provider", "/api/providers", post(admin, { id: "p2", type: "openai" })],
      [
        "append message",
        `/api/agent/helper/sessions/${SESSION_ID}/messages`,
        post(operator, { role: "user", content: "x" }),
      ],
      ["delete session", `/api/agent/helper/sessions/${SESSION_ID}`, post(operator, undefined, "DELETE")],
    ];
    for (const [name, path, init] of cases) {
      const res = await call(edge.url, path, init);
      expect([name, res.status, res.body.code]).toEqual([name, 501, "NOT_SUPPORTED_IN_RUNTIME"]);
    }
    // A real WebSocket handshake (fetch cannot send one) gets the same answer.
    expect(await upgradeStatus(edge.url, "/ws")).toBe(501);
    expect(await upgradeStatus(edge.url, "/terminal/ws")).toBe(501);
    expect(await upgradeStatus(edge.url, "/ws/agent/acp")).toBe(501);
    // Nothing was written: the published data is as it was.
    const agents = await call(edge.url, "/api/agent", { headers: admin });
    expect((agents.body.agents as Json[]).map((a) => [a.id, a.description])).toContainEqual([
      "helper",
      "The suite's executor agent",
    ]);
    expect((await call(edge.url, `/api/sessions/${SESSION_ID}`, { headers: admin })).status).toBe(200);
  });

  it("reads published tasks and the kanban board", async () => {
    expect((await call(edge.url, "/api/tasks", { headers: admin })).status).toBe(200);
    expect((await call(edge.url, "/api/kanban", { headers: admin })).status).toBe(200);
  });

  it("has no inbox on Node", async () => {
    const res = await call(local.url, "/api/edge/inbox", { headers: admin });
    expect([res.status, res.body.code]).toEqual([501, "NOT_SUPPORTED_IN_RUNTIME"]);
  });

  it("keeps wakes in its inbox until the local gateway pulls and acknowledges each once", async () => {
    const keyed = await call(edge.url, "/api/hooks/wake", {
      ...post(
        { ...hook, "idempotency-key": "ci-run-1" },
        { prompt: "deploy failed", channel: "slack", metadata: { build: 9 } },
      ),
    });
    const plain = await call(edge.url, "/api/hooks/wake", post(hook, { prompt: "plain wake" }));
    expect([keyed.status, plain.status]).toEqual([202, 202]);
    const inbox = await call(edge.url, "/api/edge/inbox", { headers: admin });
    expect((inbox.body.items as Json[]).map((i) => i.id)).toEqual([keyed.body.run_id, plain.body.run_id]);
    expect((await call(edge.url, "/api/edge/inbox", { headers: operator })).status).toBe(403);

    const { stdout } = await promisify(execFile)(
      join(ROOT, "node_modules/.bin/tsx"),
      [
        "runtime/edge-sync/cli/pull-edge.ts",
        "--url",
        edge.url,
        "--token",
        KEYS.admin,
        "--local-url",
        local.url,
      ],
      { cwd: ROOT, env: offlineWranglerEnv({ HOME: fixture.home, ...SECRET_ENV }) },
    );
    expect(stdout).toContain(`delivered ${String(keyed.body.run_id)}`);
    expect(stdout).toContain("pulled 2 item(s)");

    // The local queue has each wake once, with its body, under an Idempotency-Key from the edge.
    const jobs = (await call(local.url, "/api/queue?source=webhook", { headers: admin })).body.jobs as Json[];
    expect(jobs.map((j) => j.prompt).sort()).toEqual(["deploy failed", "plain wake"]);
    const deployJob = jobs.find((j) => j.prompt === "deploy failed");
    expect(deployJob?.metadata).toMatchObject({
      channel: "slack",
      metadata: { build: 9 },
      idempotency_key: expect.stringMatching(/^edge:/),
    });
    expect((await call(edge.url, "/api/edge/inbox", { headers: admin })).body.items).toEqual([]);

    // Acknowledging again answers the first receipt; the sender's retry still gets its run id.
    const again = await call(
      edge.url,
      `/api/edge/inbox/${String(keyed.body.run_id)}/ack`,
      post(admin, { status: "delivered" }),
    );
    expect(again.status).toBe(200);
    expect(again.body.receipt).toEqual({ status: "delivered", local_job_id: deployJob?.id });
    const retry = await call(
      edge.url,
      "/api/hooks/wake",
      // A retry is the same delivery: the same body (another body under the same key is a 422).
      post(
        { ...hook, "idempotency-key": "ci-run-1" },
        { prompt: "deploy failed", channel: "slack", metadata: { build: 9 } },
      ),
    );
    expect([retry.body.run_id, retry.body.idempotent_replay]).toEqual([keyed.body.run_id, true]);
    expect(
      (await call(edge.url, "/api/edge/inbox/unknown-id/ack", post(admin, { status: "delivered" }))).status,
    ).toBe(404);
  });

  it("queues an item once when its acknowledgement was lost, and rejects what the local side refuses", async () => {
    const lost = await call(edge.url, "/api/hooks/wake", post(hook, { prompt: "ack gets lost" }));
    // The first pull queues it locally, then fails to acknowledge (the edge went away).
    const failingAck: typeof fetch = (input, init) =>
      String(input).includes("/ack") ? Promise.reject(new Error("connection reset")) : fetch(input, init);
    const first = await pullEdgeInbox({
      edgeUrl: edge.url,
      edgeToken: KEYS.admin,
      localUrl: local.url,
      localToken: KEYS.hook,
      fetch: failingAck,
    });
    expect(first.error).toContain("connection reset");
    const second = await pullEdgeInbox({
      edgeUrl: edge.url,
      edgeToken: KEYS.admin,
      localUrl: local.url,
      localToken: KEYS.hook,
    });
    expect(second.items).toEqual([expect.objectContaining({ id: lost.body.run_id, outcome: "delivered" })]);
    const jobs = (await call(local.url, "/api/queue?source=webhook", { headers: admin })).body.jobs as Json[];
    expect(jobs.filter((j) => j.prompt === "ack gets lost")).toHaveLength(1);

    // An agent the edge knows but the local gateway no longer has: refused for good, acknowledged as such.
    await rm(join(fixture.home, ".viben/agents/本地助手"), { recursive: true });
    await eventually(async () =>
      expect(
        (await call(local.url, `/api/agent/${encodeURIComponent("本地助手")}`, { headers: admin })).status,
      ).toBe(404),
    );
    const orphan = await call(
      edge.url,
      "/api/hooks/wake",
      post(hook, { prompt: "who?", agent_id: "本地助手" }),
    );
    expect(orphan.status).toBe(202);
    const third = await pullEdgeInbox({
      edgeUrl: edge.url,
      edgeToken: KEYS.admin,
      localUrl: local.url,
      localToken: KEYS.hook,
    });
    expect(third.items).toEqual([
      expect.objectContaining({
        id: orphan.body.run_id,
        outcome: "rejected",
        error: expect.stringContaining("404"),
      }),
    ]);
    expect((await call(edge.url, "/api/edge/inbox", { headers: admin })).body.items).toEqual([]);
  });

  it("follows a new publish: removed files vanish, the edge's own records and the inbox stay", async () => {
    const waiting = await call(
      edge.url,
      "/api/hooks/wake",
      post(hook, { prompt: "still here after publish" }),
    );
    await publishToLocalKv(fixture.home, join(state, "persist"));
    await eventually(async () => {
      const res = await call(edge.url, `/api/agent/${encodeURIComponent("本地助手")}`, { headers: admin });
      expect(res.status).toBe(404);
    }, 15_000);
    const retry = await call(
      edge.url,
      "/api/hooks/wake",
      // A retry is the same delivery: the same body (another body under the same key is a 422).
      post(
        { ...hook, "idempotency-key": "ci-run-1" },
        { prompt: "deploy failed", channel: "slack", metadata: { build: 9 } },
      ),
    );
    expect(retry.body.idempotent_replay).toBe(true);
    const inbox = await call(edge.url, "/api/edge/inbox", { headers: admin });
    expect((inbox.body.items as Json[]).map((i) => i.id)).toEqual([waiting.body.run_id]);
  });
});
