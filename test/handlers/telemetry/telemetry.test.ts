import { describe, expect, it } from "vitest";
import type { RunSummary } from "../../../runtime/runs/run-hooks.js";
import { createAccountingHooks } from "../../../runtime/telemetry/accounting-hooks.js";
import { GatewayTelemetry } from "../../../runtime/telemetry/index.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { Ledger } from "../../../storage/ledger.js";
import { createTestApp, json, jsonRequest, silentLogger } from "../../helpers/app.js";
import { parseExposition } from "../../helpers/prometheus.js";

const NOW = new Date("2026-11-23T10:00:00.000Z");

async function setup(env: Record<string, string> = {}) {
  const ledger = new Ledger({ log: new MemoryAppendLog(), now: () => NOW });
  await ledger.load();
  const telemetry = new GatewayTelemetry({ usage: ledger, now: () => NOW });
  const hooks = createAccountingHooks({ ledger, telemetry, logger: silentLogger });
  const ctx = createTestApp({ telemetry, now: () => NOW, env });
  return { ...ctx, ledger, telemetry, hooks };
}

function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    run_id: `r-${Math.random()}`,
    session_id: "s1",
    agent_id: "coder",
    executor: "CLAUDE_CODE",
    model: "opus",
    status: "completed",
    tokens: { input: 11, output: 7 },
    cost_cents: 1.23,
    started_at: "2026-11-23T09:59:58.000Z",
    ended_at: "2026-11-23T10:00:00.000Z",
    duration_ms: 2000,
    ...over,
  };
}

type Report = {
  since: string;
  requests: Record<
    string,
    { count: number; status_classes: Record<string, number>; latency_ms: Record<string, number> }
  >;
  runs: Record<string, unknown> & { by_executor: Record<string, Record<string, unknown>> };
  tokens_and_cost: Record<string, unknown> & {
    by_agent: Record<string, { cost_cents: number; runs: number }>;
    by_day: Record<string, { cost_cents: number }>;
  };
};

describe("/api/telemetry", () => {
  it("answers 501 NOT_SUPPORTED_IN_RUNTIME without the telemetry capability (as on Workers)", async () => {
    const { app } = createTestApp();
    for (const path of ["/api/telemetry", "/api/telemetry/metrics"]) {
      const res = await app.request(path);
      expect(res.status).toBe(501);
      expect(await json(res)).toMatchObject({ code: "NOT_SUPPORTED_IN_RUNTIME" });
    }
  });

  it("counts requests per method and route pattern, with status classes and latency percentiles", async () => {
    const { app } = await setup();
    for (let i = 0; i < 3; i++) expect((await app.request("/api/agent")).status).toBe(200);
    expect((await app.request("/api/agent/nobody")).status).toBe(404);
    expect((await app.request("/api/agent/someone-else")).status).toBe(404);
    expect((await app.request("/api/agent", jsonRequest("POST", { nope: 1 }))).status).toBe(400);
    expect((await app.request("/no/such/route")).status).toBe(404);

    const report = await json<Report>(await app.request("/api/telemetry"));
    expect(report.since).toBe(NOW.toISOString());
    expect(Object.keys(report.requests).sort()).toEqual([
      "GET (unmatched)",
      "GET /api/agent",
      "GET /api/agent/:id",
      "POST /api/agent",
    ]);
    const list = report.requests["GET /api/agent"]!;
    expect(list).toMatchObject({ method: "GET", route: "/api/agent", count: 3 });
    expect(list.status_classes).toEqual({ "2xx": 3, "4xx": 0, "5xx": 0 });
    const { p50, p90, p99, max, mean } = list.latency_ms;
    expect(p50).toBeGreaterThan(0);
    expect(p50!).toBeLessThanOrEqual(p90!);
    expect(p90!).toBeLessThanOrEqual(p99!);
    expect(p99!).toBeLessThanOrEqual(max!);
    expect(mean).toBeGreaterThan(0);
    expect(report.requests["GET /api/agent/:id"]).toMatchObject({
      count: 2,
      status_classes: { "2xx": 0, "4xx": 2, "5xx": 0 },
    });
    expect(report.requests["POST /api/agent"]?.status_classes["4xx"]).toBe(1);
    // The report's own request is counted once it has been answered.
    const again = await json<Report>(await app.request("/api/telemetry"));
    expect(again.requests["GET /api/telemetry"]?.count).toBe(1);
  });

  it("labels requests refused before their handler (401) with the route they were for", async () => {
    const { app, scopes } = await setup({ VIEW_KEY: "viewer-secret-0123456789" });
    await scopes
      .global()
      .store.writeRaw("gateway.yaml", "api_keys:\n  - { name: dash, key: '${VIEW_KEY}', role: viewer }\n");
    expect((await app.request("/api/agent/coder")).status).toBe(401);
    const res = await app.request("/api/telemetry", {
      headers: { authorization: "Bearer viewer-secret-0123456789" },
    });
    expect(res.status).toBe(200);
    const report = await json<Report>(res);
    expect(report.requests["GET /api/agent/:id"]?.status_classes["4xx"]).toBe(1);
  });

  it("reports runs by outcome and executor, and tokens and cost by agent, model and day", async () => {
    const { app, hooks } = await setup();
    await hooks.afterRun!(summary());
    await hooks.afterRun!(summary({ status: "failed", duration_ms: 40_000 }));
    await hooks.afterRun!(
      summary({ agent_id: "old", ended_at: "2026-11-20T08:00:00.000Z", cost_cents: 5, model: undefined }),
    );
    hooks.onProviderCall!({
      run_id: "n1",
      session_id: "s2",
      agent_id: "bot",
      provider: "stub",
      model: "gpt-x",
      tokens: { input: 100, output: 10, cache_read: 40 },
      cost_cents: 0.4,
      duration_ms: 80,
    });
    await hooks.afterRun!(
      summary({ run_id: "n1", agent_id: "bot", executor: "viben", model: "gpt-x", cost_cents: 0.4 }),
    );

    const report = await json<Report>(await app.request("/api/telemetry"));
    expect(report.runs).toMatchObject({
      count: 4,
      by_status: { completed: 3, failed: 1 },
      by_executor: {
        CLAUDE_CODE: { count: 3, by_status: { completed: 2, failed: 1 } },
        viben: { count: 1, by_status: { completed: 1 } },
      },
    });
    expect((report.runs.duration_ms as { max: number }).max).toBe(40_000);
    const usage = report.tokens_and_cost;
    expect(usage).toMatchObject({ from: "2026-11-01", to: "2026-11-23" });
    expect(usage.by_agent.coder).toEqual({
      tokens: { input: 22, output: 14, cache_read: 0, cache_write: 0 },
      cost_cents: 2.46,
      runs: 2,
      calls: 0,
    });
    // The native run's cost comes from its call; the run row summarises it without counting it again.
    expect(usage.by_agent.bot).toEqual({
      tokens: { input: 100, output: 10, cache_read: 40, cache_write: 0 },
      cost_cents: 0.4,
      runs: 1,
      calls: 1,
    });
    expect(Object.keys(usage.by_model as object).sort()).toEqual(["gpt-x", "opus", "unknown"]);
    expect(Object.keys(usage.by_day)).toEqual(["2026-11-20", "2026-11-23"]);

    const range = await json<Report>(await app.request("/api/telemetry?from=2026-11-19&to=2026-11-21"));
    expect(range.tokens_and_cost).toMatchObject({ from: "2026-11-19", to: "2026-11-21" });
    expect(Object.keys(range.tokens_and_cost.by_agent)).toEqual(["old"]);
    expect(range.tokens_and_cost.by_day["2026-11-20"]?.cost_cents).toBe(5);
  });

  it("refuses bad dates and ranges with 400 naming the field", async () => {
    const { app } = await setup();
    for (const [query, field] of [
      ["from=2026-02-30", "from"],
      ["to=yesterday", "to"],
      ["from=2026-11-24&to=2026-11-01", "from"],
      ["from=2024-01-01&to=2026-01-01", "from"],
    ] as const) {
      const res = await app.request(`/api/telemetry?${query}`);
      expect(res.status, query).toBe(400);
      const body = await json<{ error: string; code: string }>(res);
      expect(body.code).toBe("VALIDATION_ERROR");
      expect(body.error).toContain(field);
    }
  });
});

describe("/api/telemetry/metrics", () => {
  it("serves Prometheus text 0.0.4: declared families, cumulative histograms, escaped labels", async () => {
    const { app, hooks } = await setup();
    await app.request("/api/agent");
    await app.request("/api/agent/nobody");
    const weird = 'we"ird\\model\nnext';
    await hooks.afterRun!(summary({ model: weird }));
    await hooks.afterRun!(summary({ status: "timeout", duration_ms: 90_000 }));

    const res = await app.request("/api/telemetry/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text.endsWith("\n")).toBe(true);
    const families = parseExposition(text); // throws on any line outside a declared family

    expect([...families.keys()].sort()).toEqual([
      "viben_cost_cents_total",
      "viben_http_request_duration_seconds",
      "viben_http_requests_total",
      "viben_run_duration_seconds",
      "viben_runs_total",
      "viben_tokens_total",
    ]);
    const value = (family: string, labels: Record<string, string>, name = family) =>
      families
        .get(family)!
        .samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        ?.value;
    expect(families.get("viben_http_requests_total")!.type).toBe("counter");
    expect(
      value("viben_http_requests_total", { method: "GET", route: "/api/agent", status_class: "2xx" }),
    ).toBe(1);
    expect(
      value("viben_http_requests_total", { method: "GET", route: "/api/agent/:id", status_class: "4xx" }),
    ).toBe(1);
    expect(value("viben_runs_total", { executor: "CLAUDE_CODE", status: "timeout" })).toBe(1);
    expect(value("viben_tokens_total", { agent: "coder", model: weird, direction: "input" })).toBe(11);
    expect(value("viben_cost_cents_total", { agent: "coder", model: weird })).toBe(1.23);
    expect(text).toContain('model="we\\"ird\\\\model\\nnext"');

    const runs = families.get("viben_run_duration_seconds")!;
    expect(runs.type).toBe("histogram");
    const buckets = runs.samples.filter((s) => s.name === "viben_run_duration_seconds_bucket");
    const counts = buckets.map((s) => s.value);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(buckets.at(-1)!.labels.le).toBe("+Inf");
    expect(value("viben_run_duration_seconds", { le: "+Inf" }, "viben_run_duration_seconds_bucket")).toBe(2);
    expect(value("viben_run_duration_seconds", { le: "60" }, "viben_run_duration_seconds_bucket")).toBe(1);
    expect(value("viben_run_duration_seconds", {}, "viben_run_duration_seconds_count")).toBe(2);
    expect(value("viben_run_duration_seconds", {}, "viben_run_duration_seconds_sum")).toBe(92);
  });
});
