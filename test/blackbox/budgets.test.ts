import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient, openSse, openWs } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";
import { parseExposition } from "../helpers/prometheus.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");
// Each fake Claude run reports total_cost_usd 0.0123: 1.23 cents.
const gatewayYaml = (monthlyCents: number) =>
  `runs:\n  stop_grace_ms: 300\nbudgets:\n  warn_at: 0.5\n  agents:\n    coder: { monthly_cents: ${monthlyCents} }\n`;

/**
 * Budgets through the real gateway with the fake Claude CLI: warnings over SSE once per threshold, 402
 * BUDGET_EXCEEDED on spawn, /api/chat and a WebSocket chat, the ledger surviving a restart, telemetry,
 * and a raised limit applied without a restart. Limits are monthly so that a UTC day change mid-test
 * cannot reset them.
 */
describe("budgets through the gateway", () => {
  let home: string;
  let workdir: string;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);
  const start = () =>
    startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-budgets-"));
    workdir = join(home, "project");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await mkdir(workdir);
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml(2.46));
    gw = await start();
    for (const name of ["Coder", "Helper"]) {
      const created = await post("/api/agent", { name, executor_type: "CLAUDE_CODE", model: "opus" });
      expect(created.status).toBe(201);
    }
  });

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("warns once at warn_at and at the limit, then refuses spawn, chat and WebSocket chat with 402", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=coder`);
    const warnings = () => sse.events.filter((e) => e.type === "budget_warning");

    const spawned = await post("/api/agent/coder/spawn", { prompt: "hello", workdir });
    expect(spawned.status).toBe(200);
    await sse.waitFor((e) => e.type === "run_complete" && e.run_id === spawned.body.run_id);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatchObject({
      scope: "agent",
      agent_id: "coder",
      period: "monthly",
      spent_cents: 1.23,
      limit_cents: 2.46,
      fraction: 0.5,
      threshold: 0.5,
    });
    // The warning is published before the run that crossed the threshold completes.
    const order = sse.events.map((e) => e.type);
    expect(order.indexOf("budget_warning")).toBeLessThan(order.indexOf("run_complete"));

    const chat = await post("/api/chat", { message: "again", agent_id: "coder", workdir });
    expect(chat.status).toBe(200);
    expect(chat.body.cost_cents).toBe(1.23);
    await sse.waitFor((e) => e.type === "budget_warning" && e.threshold === 1);
    expect(warnings().map((w) => [w.threshold, w.spent_cents])).toEqual([
      [0.5, 1.23],
      [1, 2.46],
    ]);
    const sessionsBefore = (await get("/api/sessions?agent_id=coder")).total;

    const refused = await post("/api/agent/coder/spawn", { prompt: "one more", workdir });
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({
      error: "the monthly budget of agent 'coder' is used up: spent 2.46 of 2.46 cents",
      code: "BUDGET_EXCEEDED",
      details: { scope: "agent", agent_id: "coder", period: "monthly", spent_cents: 2.46, limit_cents: 2.46 },
    });
    const chatRefused = await post("/api/chat", { message: "one more", agent_id: "coder", workdir });
    expect(chatRefused.status).toBe(402);
    expect(chatRefused.body.code).toBe("BUDGET_EXCEEDED");

    const ws = await openWs(`${gw.url.replace("http", "ws")}/ws`);
    ws.send({ type: "chat", message: "over ws", agent_id: "coder", workdir, id: "c1" });
    const frame = await ws.waitFor((f) => f.type === "error");
    expect(frame).toMatchObject({ code: "BUDGET_EXCEEDED", id: "c1" });
    expect(String(frame.message)).toContain("spent 2.46 of 2.46 cents");
    await ws.close();

    // A refused run stores nothing, and agents without a budget of their own keep running.
    expect((await get("/api/sessions?agent_id=coder")).total).toBe(sessionsBefore);
    expect((await post("/api/agent/helper/spawn", { prompt: "hi", workdir })).status).toBe(200);
    expect(warnings()).toHaveLength(2);
    sse.close();
  });

  it("shows the runs, requests, tokens and cost in /api/telemetry and /api/telemetry/metrics", async () => {
    const report = await eventually(async () => {
      const r = (await get("/api/telemetry")) as Json & { runs: { count: number } };
      expect(r.runs.count).toBe(3);
      return r;
    });
    const usage = report.tokens_and_cost as {
      by_agent: Record<string, Json>;
      by_model: Record<string, Json>;
    };
    expect(usage.by_agent.coder).toEqual({
      tokens: { input: 22, output: 14, cache_read: 0, cache_write: 0 },
      cost_cents: 2.46,
      runs: 2,
      calls: 0,
    });
    expect(usage.by_model.opus?.cost_cents).toBe(3.69);
    const requests = report.requests as Record<string, { status_classes: Record<string, number> }>;
    expect(requests["POST /api/agent/:id/spawn"]?.status_classes).toMatchObject({ "2xx": 2, "4xx": 1 });
    expect(requests["POST /api/chat"]?.status_classes).toMatchObject({ "2xx": 1, "4xx": 1 });

    const res = await fetch(`${gw.url}/api/telemetry/metrics`);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const families = parseExposition(await res.text());
    const cost = families.get("viben_cost_cents_total")!.samples;
    expect(cost.find((s) => s.labels.agent === "coder" && s.labels.model === "opus")?.value).toBe(2.46);
    const runs = families.get("viben_runs_total")!.samples;
    expect(runs.find((s) => s.labels.executor === "CLAUDE_CODE")?.value).toBe(3);
  });

  it("keeps refusing after a restart (spend rebuilt from the ledger) until the limit is raised", async () => {
    await gw.close();
    const month = new Date().toISOString().slice(0, 7);
    const rows = (await readFile(join(home, ".viben/ledger", `${month}.jsonl`), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
    expect(rows.map((r) => [r.kind, r.agent_id, r.executor, r.cost_cents])).toEqual([
      ["run", "coder", "CLAUDE_CODE", 1.23],
      ["run", "coder", "CLAUDE_CODE", 1.23],
      ["run", "helper", "CLAUDE_CODE", 1.23],
    ]);
    expect(rows[0]).toMatchObject({ model: "opus", status: "completed", tokens: { input: 11, output: 7 } });

    gw = await start();
    expect((await post("/api/agent/coder/spawn", { prompt: "after restart", workdir })).status).toBe(402);

    // gateway.yaml is re-read on change: a raised limit lets runs through without a restart.
    await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml(100));
    const sse = await openSse(`${gw.url}/api/events?agent_id=coder`);
    const spawned = await eventually(async () => {
      const r = await post("/api/agent/coder/spawn", { prompt: "raised", workdir });
      expect(r.status).toBe(200);
      return r;
    });
    await sse.waitFor((e) => e.type === "run_complete" && e.run_id === spawned.body.run_id);
    expect(sse.events.filter((e) => e.type === "budget_warning")).toEqual([]);
    sse.close();
  });
});
