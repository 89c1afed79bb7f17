// Follows the original Viben server and its desktop client: LinXueyuanStdio/viben
// packages/core/src/gateway/routes/health.ts (status, service, version, timestamp, uptime, uptime_seconds,
// startup), apps/desktop/src/lib/gateway/modules/core.ts (ping() and diagnose() read /health's version,
// service and timestamp) and packages/core/src/gateway/routes/events.ts (/api/events opens with
// `event: connected` and `data: {timestamp}`), against a real gateway on port 0.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InMemoryEventBus } from "../../runtime/event-bus.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { envelopeOf, readSse } from "../helpers/sse-client.js";

describe("Viben's /health and /api/events", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-health-"));
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
  });

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("answers /health with the original's fields beside ours", async () => {
    const before = Date.now();
    const res = await fetch(`${gw.url}/health`);
    expect(res.ok).toBe(true); // the desktop client's ping()
    const health = (await res.json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: "ok",
      service: "viben-gateway",
      version: expect.any(String),
      runtime: "node",
      uptime: expect.any(Number),
    });
    expect(Number.isInteger(health.uptime_seconds)).toBe(true);
    expect(health.uptime_seconds).toBe(Math.floor(health.uptime as number));
    expect(Date.parse(health.timestamp as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(health.startup).toMatchObject({
      host: "127.0.0.1",
      port: gw.port,
      pid: process.pid,
      node_version: process.version,
      platform: process.platform,
      arch: process.arch,
      config_dir: join(home, ".viben"),
      state_dir: join(home, ".viben"),
      command: expect.any(String),
    });
    expect(Date.parse((health.startup as { started_at: string }).started_at)).toBeLessThanOrEqual(Date.now());
  });

  it("opens /api/events with `event: connected` before any event, without an id", async () => {
    const res = await fetch(`${gw.url}/api/events`);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const sse = readSse(res.body);
    await sse.until(() => sse.greeting !== undefined);
    expect(sse.greeting).toMatchObject({ event: "connected", id: undefined });
    const greeting = envelopeOf(sse.greeting!);
    expect(greeting).toEqual({ type: "connected", timestamp: expect.any(Number) });
    expect(Math.abs((greeting.timestamp as number) - Date.now())).toBeLessThan(60_000);

    const published = (gw.events as InMemoryEventBus).publish({ type: "cron_fired", job_id: "nightly" });
    await sse.until(() => sse.messages.length === 1);
    expect(sse.messages[0]).toMatchObject({ event: "cron_fired", id: String(published.seq) });
    await sse.close();
  });
});
