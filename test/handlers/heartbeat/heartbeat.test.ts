// Extends zod with .openapi() before storage modules build their schemas.
import "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { HeartbeatMonitor } from "../../../runtime/heartbeat.js";
import { GatewayConfigSource } from "../../../storage/gateway-config.js";
import { createTestApp, json, silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

const env = { ADMIN: "admin-key-0123456789", OPS: "ops-key-0123456789", VIEW: "view-key-0123456789" };

async function setup() {
  let monitor: HeartbeatMonitor | undefined;
  const t = createTestApp({
    env,
    extend: ({ scopes }) => {
      monitor = new HeartbeatMonitor({
        config: new GatewayConfigSource(scopes.global(), env),
        queue: new FakeRunQueue(),
        scope: scopes.global(),
        logger: silentLogger,
      });
      return { heartbeat: monitor };
    },
  });
  await t.scopes.global().store.write("gateway.yaml", {
    api_keys: [
      { name: "a", key: "${ADMIN}", role: "admin" },
      { name: "o", key: "${OPS}", role: "operator" },
      { name: "v", key: "${VIEW}", role: "viewer" },
    ],
  });
  await monitor!.start();
  const as = (key: string, method = "GET") => ({ method, headers: { authorization: `Bearer ${key}` } });
  return { ...t, monitor: monitor!, as };
}

describe("/api/heartbeat", () => {
  it("shows the status to viewers and reloads gateway.yaml for admins", async () => {
    const { app, scopes, as, monitor } = await setup();
    const status = await app.request("/api/heartbeat/status", as(env.VIEW));
    expect(status.status).toBe(200);
    expect(await json(status)).toEqual({
      enabled: false,
      interval: null,
      agent_id: null,
      last_run_at: null,
      last_status: null,
      next_run_at: null,
      consecutive_failures: 0,
      last_run_id: null,
      last_session_id: null,
      last_error: null,
    });
    const doc = (await scopes.global().store.read("gateway.yaml"))!.data;
    await scopes.global().store.write("gateway.yaml", {
      ...doc,
      heartbeat: { agent_id: "CLAUDE_CODE", prompt: "check disk and services", interval: "5m" },
    });
    expect((await app.request("/api/heartbeat/reload", as(env.OPS, "POST"))).status).toBe(403);
    const reloaded = await app.request("/api/heartbeat/reload", as(env.ADMIN, "POST"));
    expect(reloaded.status).toBe(200);
    expect(await json(reloaded)).toMatchObject({ enabled: true, interval: 300, agent_id: "CLAUDE_CODE" });
    await monitor.stop();
  });

  it("answers 501 where the runtime has no heartbeat", async () => {
    const res = await createTestApp().app.request("/api/heartbeat/status");
    expect(res.status).toBe(501);
  });
});
