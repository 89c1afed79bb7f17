import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type Json, jsonClient, openSse } from "../helpers/clients.js";
import { eventually } from "../helpers/gateway-process.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

/** The gateway.yaml heartbeat through the real gateway and queue, with the fake Claude CLI. */
describe("heartbeat in a running gateway", () => {
  let home: string;
  let gw: RunningGateway;
  const { get, post } = jsonClient(() => gw.url);
  const config = (heartbeat: string) =>
    writeFile(join(home, ".viben/gateway.yaml"), `# hand-written\nheartbeat:\n${heartbeat}`);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-heartbeat-"));
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    // The fake CLI fails when the prompt contains "fail".
    await config(
      "  agent_id: CLAUDE_CODE\n  prompt: check the disks and fail if one is full\n  interval: 1\n",
    );
    gw = await startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  it("alerts on a failing check, follows gateway.yaml edits without a restart, and reloads on demand", async () => {
    const sse = await openSse(`${gw.url}/api/events?type=heartbeat_alert`);
    const alert = await sse.waitFor((e) => e.type === "heartbeat_alert", 15_000);
    expect(alert.reason).toMatch(/failed/);
    expect(alert.run_id).toBeTruthy();
    expect(alert.session_id).toBeTruthy();
    const status = await get("/api/heartbeat/status");
    expect(status).toMatchObject({ enabled: true, interval: 1, agent_id: "CLAUDE_CODE" });
    expect(status.consecutive_failures as number).toBeGreaterThanOrEqual(1);

    // A hand edit: a passing check whose answer (the fake CLI echoes the prompt) carries a marker.
    await config(
      "  agent_id: CLAUDE_CODE\n  prompt: report DEGRADED if anything looks wrong\n  interval: 1\n  alert_on: [DEGRADED]\n",
    );
    const marker = await sse.waitFor(
      (e) => e.type === "heartbeat_alert" && /contains "DEGRADED"/.test(e.reason as string),
      15_000,
    );
    expect(marker.run_id).toBeTruthy();

    await config("  agent_id: CLAUDE_CODE\n  prompt: all good?\n  interval: 1\n");
    await eventually(async () => {
      const s = await get("/api/heartbeat/status");
      expect(s).toMatchObject({ last_status: "succeeded", consecutive_failures: 0 });
    }, 15_000);

    await config("  agent_id: CLAUDE_CODE\n  prompt: all good?\n  interval: 1h\n  enabled: false\n");
    const reloaded = await post("/api/heartbeat/reload", {});
    expect(reloaded.status).toBe(200);
    expect(reloaded.body as Json).toMatchObject({ enabled: false, interval: 3600, next_run_at: null });
    sse.close();
  });
});
