import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

type Json = Record<string, unknown>;
const HOOK = "hook-secret-0123456789";
const ADMIN = "admin-key-0123456789";
const OPERATOR = "operator-key-0123456789";

async function setup(options: { remoteAddress?: string; config?: Json } = {}) {
  const queue = new FakeRunQueue();
  let now = new Date("2026-06-01T00:00:00Z");
  const t = createTestApp({
    queue,
    remoteAddress: options.remoteAddress,
    now: () => now,
    env: { HOOK, ADMIN, OPERATOR },
  });
  await t.scopes.global().store.write(
    "gateway.yaml",
    options.config ?? {
      api_keys: [
        { name: "admin", key: "${ADMIN}", role: "admin" },
        { name: "ops", key: "${OPERATOR}", role: "operator" },
      ],
      hooks: { tokens: [{ name: "github", token: "${HOOK}" }] },
    },
  );
  await t.scopes.global().store.write("config.yaml", { default_agent: "CLAUDE_CODE" });
  const wake = async (body: unknown, headers: Record<string, string> = {}, path = "/api/hooks/wake") => {
    const res = await t.app.request(path, jsonRequest("POST", body, headers));
    return { status: res.status, headers: res.headers, body: await json<Json>(res) };
  };
  return { ...t, queue, wake, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const alert = { prompt: "The staging deploy just failed. Check the CI logs and diagnose.", channel: "slack" };

describe("POST /api/hooks/wake", () => {
  it("queues a run for a hook token and answers 202 with its run id", async () => {
    const { wake, queue } = await setup();
    const res = await wake(
      { ...alert, metadata: { source: "github-actions", run_id: "12345" } },
      bearer(HOOK),
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      run_id: "q1",
      job_id: "q1",
      status: "queued",
      idempotent_replay: false,
    });
    expect(queue.jobs.get("q1")).toMatchObject({
      agent_id: "CLAUDE_CODE",
      prompt: alert.prompt,
      source: "webhook",
      metadata: { hook: "github", channel: "slack", metadata: { source: "github-actions", run_id: "12345" } },
    });
  });

  it("requires a hook token: none, an unknown one and an operator key are refused; an admin key is accepted", async () => {
    const { wake, queue } = await setup();
    const none = await wake(alert);
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/hook token/);
    expect((await wake(alert, bearer("guess"))).status).toBe(401);
    const operator = await wake(alert, bearer(OPERATOR));
    expect(operator.status).toBe(403);
    expect((await wake(alert, bearer(ADMIN))).status).toBe(202);
    expect(queue.jobs.size).toBe(1);
  });

  it("never takes a token from the query string, not even a valid one", async () => {
    const { wake, queue } = await setup();
    const res = await wake(alert, {}, `/api/hooks/wake?token=${HOOK}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("TOKEN_IN_QUERY");
    expect((await wake(alert, bearer(HOOK), `/api/hooks/wake?token=${HOOK}`)).status).toBe(400);
    for (const param of ["TOKEN", "Token", "token[]", "Hook_Token", "API-KEY"]) {
      const variant = await wake(alert, bearer(HOOK), `/api/hooks/wake?${encodeURIComponent(param)}=${HOOK}`);
      expect(variant.status, param).toBe(400);
      expect(variant.body.code).toBe("TOKEN_IN_QUERY");
    }
    expect(queue.jobs.size).toBe(0);
  });

  it("does not let a hook token open any other route", async () => {
    const { app } = await setup();
    const res = await app.request("/api/agent", { headers: bearer(HOOK) });
    expect(res.status).toBe(401);
    const chat = await app.request("/api/chat", jsonRequest("POST", { message: "hi" }, bearer(HOOK)));
    expect(chat.status).toBe(401);
  });

  it("rate limits failed attempts per address: 10 a minute, then 429 with Retry-After, even for the right token", async () => {
    const { wake, advance } = await setup({ remoteAddress: "203.0.113.9" });
    for (let i = 0; i < 10; i++) expect((await wake(alert, bearer(`wrong-${i}`))).status).toBe(401);
    const limited = await wake(alert, bearer(HOOK));
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe("TOO_MANY_FAILED_ATTEMPTS");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    advance(61_000);
    expect((await wake(alert, bearer(HOOK))).status).toBe(202);
  });

  it("answers 413 in the JSON envelope for a body over 64 KiB", async () => {
    const { wake, queue } = await setup();
    const res = await wake({ prompt: "x".repeat(70 * 1024) }, bearer(HOOK));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(queue.jobs.size).toBe(0);
  });

  it("returns the same run id for a repeated Idempotency-Key and queues exactly one run", async () => {
    const { wake, queue } = await setup();
    const headers = { ...bearer(HOOK), "idempotency-key": "delivery-42" };
    const first = await wake(alert, headers);
    const again = await Promise.all([wake(alert, headers), wake(alert, headers)]);
    expect(first.status).toBe(202);
    for (const res of again) {
      expect(res.status).toBe(202);
      expect(res.body.run_id).toBe(first.body.run_id);
      expect(res.body.idempotent_replay).toBe(true);
      expect(res.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(queue.jobs.size).toBe(1);
    const other = await wake(alert, { ...bearer(HOOK), "idempotency-key": "delivery-43" });
    expect(other.body.run_id).not.toBe(first.body.run_id);
    expect(queue.jobs.size).toBe(2);
  });

  it("answers 422 for an Idempotency-Key reused with a different body, and replays the same body", async () => {
    const { wake, queue } = await setup();
    const headers = { ...bearer(HOOK), "idempotency-key": "delivery-77" };
    const first = await wake(alert, headers);
    expect(first.status).toBe(202);
    const other = await wake({ ...alert, prompt: "Something else entirely" }, headers);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      details: { idempotency_key: "delivery-77" },
    });
    expect(other.body.run_id).toBeUndefined();
    // The same body (keys in another order) is the same delivery: the first answer again.
    const same = await wake({ channel: alert.channel, prompt: alert.prompt }, headers);
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ run_id: first.body.run_id, idempotent_replay: true });
    // The key is per hook token and per body: another key with the other body is a new delivery.
    const fresh = await wake(
      { ...alert, prompt: "Something else entirely" },
      { ...headers, "idempotency-key": "d-78" },
    );
    expect(fresh.status).toBe(202);
    expect(queue.jobs.size).toBe(2);
  });

  it("forgets an Idempotency-Key after 24 hours", async () => {
    const { wake, queue, advance } = await setup();
    const headers = { ...bearer(HOOK), "idempotency-key": "k" };
    const first = await wake(alert, headers);
    advance(25 * 3_600_000);
    const later = await wake(alert, headers);
    expect(later.body.run_id).not.toBe(first.body.run_id);
    expect(queue.jobs.size).toBe(2);
  });

  it("validates the body and the agent, naming the field", async () => {
    const { wake } = await setup();
    const empty = await wake({ prompt: "" }, bearer(HOOK));
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatch(/prompt/);
    const unknown = await wake({ prompt: "hi", chanel: "slack" }, bearer(HOOK));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/chanel/);
    expect((await wake({ prompt: "hi", agent_id: "nobody" }, bearer(HOOK))).status).toBe(404);
    expect((await wake({ prompt: "hi", session_id: "missing" }, bearer(HOOK))).status).toBe(404);
    const notJson = await wake("{not json", bearer(HOOK));
    expect(notJson.status).toBe(400);
  });

  it("without any keys or tokens configured, serves loopback callers like every other route", async () => {
    const local = await setup({ config: {} });
    expect((await local.wake(alert)).status).toBe(202);
    const remote = await setup({ config: {}, remoteAddress: "198.51.100.7" });
    expect((await remote.wake(alert)).status).toBe(403);
  });

  it("is documented with its auth in the OpenAPI document", async () => {
    const { app } = await setup({ config: {} });
    const doc = await json<{ paths: Record<string, Record<string, Json>> }>(
      await app.request("/openapi.json"),
    );
    const op = doc.paths["/api/hooks/wake"]?.post;
    expect(op?.["x-required-role"]).toBe("admin");
    expect(op?.["x-auth"]).toMatch(/hook token/);
    expect(Object.keys(op?.responses as Json)).toEqual(expect.arrayContaining(["202", "401", "413", "429"]));
  });
});
