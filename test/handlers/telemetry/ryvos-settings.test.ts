import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

const KEYS = { OP_KEY: "operator-secret-0123456789", VIEW_KEY: "viewer-secret-0123456789" };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function withKeys(extra = "") {
  const ctx = createTestApp({ env: KEYS });
  await ctx.scopes
    .global()
    .store.writeRaw(
      "gateway.yaml",
      [
        "# my gateway",
        "api_keys:",
        "  - { name: ops, key: '${OP_KEY}', role: operator }",
        "  - { name: dash, key: '${VIEW_KEY}', role: viewer }",
        extra,
      ].join("\n"),
    );
  return ctx;
}

describe("Ryvos settings routes over the memory driver", () => {
  it("serves /api/health without a key when keys are configured", async () => {
    const { app } = await withKeys();
    const res = await app.request("/api/health");
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ status: "ok" });
    expect((await app.request("/api/metrics")).status).toBe(401);
  });

  it("PUT /api/budget needs the operator role and edits gateway.yaml in place", async () => {
    const { app, scopes } = await withKeys("budgets:\n  daily_cents: 50 # per day\n");
    const put = (key: string, body: unknown) =>
      app.request("/api/budget", jsonRequest("PUT", body, bearer(key)));
    expect((await put(KEYS.VIEW_KEY, { monthly_budget_cents: 100 })).status).toBe(403);
    const res = await put(KEYS.OP_KEY, { monthly_budget_cents: 2500, warn_pct: 75 });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({
      ok: true,
      configured: true,
      monthly_budget_cents: 2500,
      daily_budget_cents: 50,
      warn_pct: 75,
    });
    const text = await scopes.global().store.readRaw("gateway.yaml");
    expect(text).toContain("# my gateway");
    expect(text).toContain("daily_cents: 50 # per day");
    expect(text).toContain("monthly_cents: 2500");
    expect(text).toContain("warn_at: 0.75");
    // null removes a limit.
    const cleared = await json(await put(KEYS.OP_KEY, { daily_budget_cents: null }));
    expect(cleared).toMatchObject({ daily_budget_cents: null, monthly_budget_cents: 2500 });
  });

  it("answers GET /api/model without a default agent, and refuses PUT with a 400", async () => {
    const { app } = await withKeys();
    const got = await json(await app.request("/api/model", { headers: bearer(KEYS.VIEW_KEY) }));
    expect(got).toMatchObject({
      configured: false,
      agent_id: null,
      model_id: null,
      model: { model_id: null },
    });
    const res = await app.request("/api/model", jsonRequest("PUT", { model_id: "x" }, bearer(KEYS.OP_KEY)));
    expect(res.status).toBe(400);
    expect(await json(res)).toMatchObject({ code: "NO_AGENT" });
  });
});
