/*
 * A run cut off by a crash reads `interrupted` after the restart, never `running` forever: a real gateway
 * process drives the real Claude Code CLI against the local Anthropic stub (which never finishes the
 * answer), is SIGKILLed mid-run, and is started again on the same HOME.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicStub, startAnthropicStub } from "../fixtures/anthropic-stub.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import {
  type GatewayProcess,
  makeTempHome,
  removeDir,
  startGatewayProcess,
} from "../helpers/gateway-process.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

/** Whether a process still runs (a zombie waiting for its reaper does not count). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

describe("a run cut off by a gateway crash reads interrupted after the restart", () => {
  let home: string;
  let stub: AnthropicStub;
  let gw: GatewayProcess | undefined;
  let asked: () => void;
  const askedOnce = new Promise<void>((resolve) => {
    asked = resolve;
  });
  const client = jsonClient(() => gw!.url);

  const start = async () => {
    const env = Object.fromEntries(
      Object.entries(realClaudeEnv(home, stub.url)).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    gw = await startGatewayProcess({ home, env });
  };

  beforeAll(async () => {
    home = await makeTempHome("viben-run-restart-");
    await configureRealClaudeHome(home, 600);
    stub = await startAnthropicStub(() => {
      asked();
      return { hang: true };
    });
    await start();
    const agent = await client.post("/api/agent", {
      name: "Claude",
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: "bypassPermissions",
    });
    expect(agent.status).toBe(201);
  });

  afterAll(async () => {
    await gw?.stop();
    await stub?.close();
    if (home) await removeDir(home);
  });

  it("marks the live run interrupted, its waiters return at once, and its CLI is gone", async () => {
    const accepted = await client.post("/agent/async", {
      sessionKey: "k",
      message: "long job",
      agent: "claude",
    });
    expect(accepted.status).toBe(200);
    const runId = accepted.body.runId as string;
    await askedOnce;
    const before = await client.get(`/api/runs/${runId}`);
    expect(before).toMatchObject({ status: "running", done: false });
    const pid = before.pid as number;

    await gw!.stop("SIGKILL");
    await start();

    const after = await client.get(`/api/runs/${runId}`);
    expect(after).toMatchObject({
      run_id: runId,
      status: "interrupted",
      done: true,
      session_key: "k",
      ended_at: expect.any(String),
      result: { error: expect.stringMatching(/interrupted/) },
    });
    expect(await client.get(`/agent/run/${runId}`)).toMatchObject({
      runId,
      status: "error",
      gatewayStatus: "interrupted",
    });
    const waited = await client.post(`/api/runs/${runId}/wait`, { timeout_ms: 60_000 });
    expect(waited.body as Json).toMatchObject({ status: "interrupted", done: true, timed_out: false });
    // The new gateway killed what the dead one left running before it served anything.
    expect(await running(pid)).toBe(false);
    // Its start line is gone with the rest of the live-runs log: recovery emptied it.
    expect(await readFile(join(home, ".viben/runs/live/a.jsonl"), "utf8")).not.toContain(runId);
  });
});
