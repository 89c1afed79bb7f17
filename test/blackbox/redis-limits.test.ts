import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../runtime/node/server.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

const ADMIN_KEY = "vbn_admin_0123456789abcdef0123456789ab";
const HOOK_TOKEN = "hook_ci_0123456789abcdef0123456789abcd";

/**
 * Two gateways with the same API key, hook token and budget on one Redis: wrong keys count against the
 * address on both, a run's cost on one counts against the budget on both, and a webhook delivery's
 * Idempotency-Key holds on both.
 */
describe("failed-attempt limit, budgets and webhook keys across two gateway instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  let homes: string[];

  beforeAll(async () => {
    setup = await startRedisGateways("limits", 2, {
      gatewayYaml: [
        "api_keys: [{ name: laptop, key: '${VIBEN_ADMIN_KEY}', role: admin }]",
        "budgets:",
        "  agents:",
        "    coder: { monthly_cents: 2.46 }",
        "hooks:",
        "  tokens: [{ name: ci, token: '${VIBEN_HOOK_TOKEN}' }]",
        "",
      ].join("\n"),
      env: { VIBEN_ADMIN_KEY: ADMIN_KEY, VIBEN_HOOK_TOKEN: HOOK_TOKEN },
    });
    ({ gateways, homes } = setup);
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("refuses a run on B with 402 once runs on A spent the agent's monthly budget", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const call = async (gw: RunningGateway, path: string, body: unknown) => {
      const res = await fetch(`${gw.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    for (const gw of gateways)
      expect((await call(gw, "/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(
        201,
      );
    // The fake CLI reports 1.23 cents a run: two runs on A reach the 2.46 limit.
    for (let i = 0; i < 2; i++) {
      const spawned = await call(a, "/api/agent/coder/spawn", {
        prompt: `run ${i}`,
        workdir: join(homes[0]!, "project"),
      });
      expect(spawned.status).toBe(200);
      await call(a, `/agent/run/${spawned.body.run_id}/wait?timeoutMs=60000`, {});
    }
    const refused = await eventually(async () => {
      const res = await call(b, "/api/agent/coder/spawn", {
        prompt: "one more",
        workdir: join(homes[1]!, "project"),
      });
      expect(res.status).toBe(402);
      return res;
    });
    expect(refused.body).toMatchObject({
      code: "BUDGET_EXCEEDED",
      details: { scope: "agent", agent_id: "coder", period: "monthly", spent_cents: 2.46, limit_cents: 2.46 },
    });
  });

  it("answers a webhook delivery retried on B with the run A queued for it, and queues nothing on B", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    for (const gw of gateways) {
      const created = await fetch(`${gw.url}/api/agent`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Helper", executor_type: "CLAUDE_CODE" }),
      });
      expect(created.status).toBe(201);
    }
    const wake = (gw: RunningGateway, prompt: string) =>
      fetch(`${gw.url}/api/hooks/wake`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${HOOK_TOKEN}`,
          "content-type": "application/json",
          "idempotency-key": "deploy-41",
        },
        body: JSON.stringify({ prompt, agent_id: "helper" }),
      });
    const first = await wake(a, "deploy 41 finished");
    expect(first.status).toBe(202);
    const firstBody = (await first.json()) as { run_id: string };
    const retry = await wake(b, "deploy 41 finished");
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toMatchObject({ run_id: firstBody.run_id, idempotent_replay: true });
    const reused = await wake(b, "another body");
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    const ranOn = async (home: string) =>
      (await readFile(join(home, "fake-claude.log"), "utf8").catch(() => ""))
        .split("\n")
        .filter((line) => line.includes("deploy 41 finished")).length;
    await eventually(async () => expect(await ranOn(homes[0]!)).toBe(1));
    expect(await ranOn(homes[1]!)).toBe(0);
  });

  it("answers 429 on B, even to the right key, after 10 wrong keys on A", async () => {
    const [a, b] = gateways as [RunningGateway, RunningGateway];
    const get = (gw: RunningGateway, key: string) =>
      fetch(`${gw.url}/api/agent`, { headers: { authorization: `Bearer ${key}` } });
    for (let i = 0; i < 10; i++) expect((await get(a, `guess-${i}`)).status).toBe(401);
    expect((await get(a, ADMIN_KEY)).status).toBe(429);
    // B hears of A's failures over Redis within a network hop.
    const limited = await eventually(async () => {
      const res = await get(b, ADMIN_KEY);
      expect(res.status).toBe(429);
      return res;
    });
    expect(await limited.json()).toMatchObject({ code: "TOO_MANY_FAILED_ATTEMPTS" });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
