/*
 * Transcribes the Ryvos web UI's REST calls: Ryvos/ryvos crates/ryvos-gateway/ui-src/src/lib/api.js
 * (apiFetch) as used by ui-src/src/lib/pages/{Chat,Dashboard,Runs,Costs,Settings}.svelte and
 * components/Sidebar.svelte, with the shapes of crates/ryvos-gateway/src/routes.rs and docs/api/gateway-rest.md.
 * Drives a real gateway whose default agent is the real Claude Code CLI against the local Anthropic stub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import type { Json } from "../helpers/clients.js";

function reply(body: MessagesRequest) {
  const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
  if (prompt.includes("2+2")) return { text: "2 + 2 = 4.", usage: { input_tokens: 30, output_tokens: 8 } };
  return { text: "Noted.", usage: { input_tokens: 20, output_tokens: 4 } };
}

describe("the Ryvos web UI's REST calls", () => {
  let env: ClaudeGateway;
  /** api.js apiFetch: JSON headers, an optional Bearer key, throws `API <status>: <body>` when not ok. */
  async function apiFetch(path: string, options: RequestInit = {}): Promise<Json> {
    const headers = { "Content-Type": "application/json", ...(options.headers as Record<string, string>) };
    const res = await fetch(`${env.gw.url}${path}`, { ...options, headers });
    if (!res.ok) throw new Error(`API ${res.status}: ${await res.text()}`);
    return (await res.json()) as Json;
  }
  async function status(path: string, options: RequestInit = {}): Promise<[number, Json]> {
    const res = await fetch(`${env.gw.url}${path}`, {
      ...options,
      headers: { "Content-Type": "application/json" },
    });
    return [res.status, (await res.json()) as Json];
  }

  beforeAll(async () => {
    env = await startClaudeGateway(reply);
  });
  afterAll(async () => {
    await env?.close();
  });

  it("Sidebar/Dashboard: GET /api/health answers status and version without a key", async () => {
    const health = await apiFetch("/api/health");
    expect(health).toMatchObject({ status: "ok" });
    expect(typeof health.version).toBe("string");
  });

  it("Chat: POST /api/sessions/{id}/messages runs the agent to completion; history lists the turns", async () => {
    const sessionId = "ryvos-chat-1";
    const answer = await apiFetch(`/api/sessions/${encodeURIComponent(sessionId)}/messages`, {
      method: "POST",
      body: JSON.stringify({ message: "What is 2+2?" }),
    });
    expect(answer).toMatchObject({ session_id: sessionId, response: "2 + 2 = 4." });

    const sessions = await apiFetch("/api/sessions");
    expect((sessions.sessions as Json[]).map((s) => s.id)).toContain(sessionId);

    const history = await apiFetch(`/api/sessions/${encodeURIComponent(sessionId)}/history?limit=100`);
    const messages = history.messages as Json[];
    expect(messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "What is 2+2?"],
      ["assistant", "2 + 2 = 4."],
    ]);
    for (const m of messages) expect(Number.isNaN(Date.parse(m.timestamp as string))).toBe(false);
  });

  it("Dashboard/Runs/Costs: metrics, the run history and the cost breakdown come from the ledger", async () => {
    const metrics = await apiFetch("/api/metrics");
    expect(metrics.total_runs).toBeGreaterThanOrEqual(1);
    expect(metrics.total_tokens).toBeGreaterThanOrEqual(38);
    expect(metrics.total_cost_cents).toBeGreaterThan(0);
    expect(typeof metrics.uptime_secs).toBe("number");
    expect(metrics.active_sessions).toBe(0);

    const runs = await apiFetch("/api/runs?limit=20&offset=0");
    expect(runs).toMatchObject({ offset: 0, limit: 20 });
    expect(runs.total).toBe(metrics.total_runs);
    const run = (runs.runs as Json[])[0]!;
    expect(run).toMatchObject({ session_id: "ryvos-chat-1", input_tokens: 30, output_tokens: 8 });
    expect(run.cost_cents).toBeGreaterThan(0);

    // Costs.svelte: the last 30 days as whole UTC days.
    const now = new Date();
    const from = `${new Date(now.getTime() - 30 * 86_400_000).toISOString().split("T")[0]}T00:00:00Z`;
    const to = `${now.toISOString().split("T")[0]}T23:59:59Z`;
    for (const groupBy of ["model", "provider", "session"]) {
      const costs = await apiFetch(
        `/api/costs?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&group_by=${groupBy}`,
      );
      const summary = costs.summary as Json;
      const breakdown = costs.breakdown as Json[];
      expect(summary.total_cost_cents).toBeGreaterThan(0);
      expect(summary.total_input_tokens).toBeGreaterThanOrEqual(30);
      expect(breakdown.length).toBeGreaterThan(0);
      const sum = breakdown.reduce((n, b) => n + (b.cost_cents as number), 0);
      expect(sum).toBeCloseTo(summary.total_cost_cents as number, 3);
      expect(costs.group_by).toBe(groupBy);
    }
    const bySession = await apiFetch(`/api/costs?group_by=session`);
    expect((bySession.breakdown as Json[]).map((b) => b.key)).toContain("ryvos-chat-1");
  });

  it("Settings: the model picker reads the catalogue and PUT /api/model changes the model of the next run", async () => {
    const model = await apiFetch("/api/model");
    expect(model).toMatchObject({ agent_id: "claude", model_id: "claude-sonnet-4-5" });
    const available = await apiFetch("/api/models/available?provider=anthropic");
    const ids = (available.models as Json[]).map((m) => m.id);
    expect(ids.length).toBeGreaterThan(0);
    // The CLI passes this id through as is (it rewrites some older ones to their successors).
    const pick = "claude-haiku-4-5";
    expect(ids).toContain(pick);

    await apiFetch("/api/model", {
      method: "PUT",
      body: JSON.stringify({ model_id: pick, temperature: 0.5, max_tokens: 2048, thinking: "off" }),
    });
    expect(await apiFetch("/api/model")).toMatchObject({
      model_id: pick,
      temperature: 0.5,
      max_tokens: 2048,
      thinking: "off",
      model: { model_id: pick },
    });
    const answer = await apiFetch("/api/sessions/ryvos-chat-1/messages", {
      method: "POST",
      body: JSON.stringify({ message: "remember this" }),
    });
    expect(answer.response).toBe("Noted.");
    expect(env.stub.requests.at(-1)!.model).toBe(pick);
    const history = await apiFetch("/api/sessions/ryvos-chat-1/history");
    expect((history.messages as Json[]).length).toBe(4);
  });

  it("Settings: GET|PUT /api/budget edit gateway.yaml budgets, which the next run obeys", async () => {
    expect(await apiFetch("/api/budget")).toMatchObject({ configured: false });
    await apiFetch("/api/budget", {
      method: "PUT",
      body: JSON.stringify({ monthly_budget_cents: 100_000, warn_pct: 90 }),
    });
    expect(await apiFetch("/api/budget")).toMatchObject({
      configured: true,
      monthly_budget_cents: 100_000,
      warn_pct: 90,
    });
    expect(await apiFetch("/api/metrics")).toMatchObject({ monthly_budget_cents: 100_000 });

    // A zero limit refuses every run: the gateway re-reads gateway.yaml, no restart needed.
    await apiFetch("/api/budget", { method: "PUT", body: JSON.stringify({ monthly_budget_cents: 0 }) });
    const [code, body] = await status("/api/sessions/ryvos-chat-1/messages", {
      method: "POST",
      body: JSON.stringify({ message: "one more" }),
    });
    expect(code).toBe(402);
    expect(body.code).toBe("BUDGET_EXCEEDED");
  });

  it("answers bad input with a 4xx envelope", async () => {
    const cases: [string, RequestInit, number, string][] = [
      ["/api/sessions/ryvos-chat-1/messages", { method: "POST", body: '{"message":""}' }, 400, "message"],
      ["/api/sessions/no-such-session/history", {}, 404, "SESSION_NOT_FOUND"],
      ["/api/costs?group_by=planet", {}, 400, "group_by"],
      ["/api/costs?from=yesterday", {}, 400, "from"],
      ["/api/costs?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", {}, 400, "from"],
      ["/api/runs?limit=0", {}, 400, "limit"],
      ["/api/budget", { method: "PUT", body: '{"warn_pct":500}' }, 400, "warn_pct"],
      ["/api/model", { method: "PUT", body: '{"temperature":9}' }, 400, "temperature"],
    ];
    for (const [path, init, want, mention] of cases) {
      const [code, body] = await status(path, init);
      expect(code, path).toBe(want);
      expect(JSON.stringify(body), path).toContain(mention);
    }
  });
});
