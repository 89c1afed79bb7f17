import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Json, jsonClient } from "../helpers/clients.js";
import {
  eventually,
  type GatewayProcess,
  gatewayChildPid,
  makeTempHome,
  startGatewayProcess,
} from "../helpers/gateway-process.js";

const QUEUE_CLAUDE = resolve(import.meta.dirname, "../fixtures/queue-claude.mjs");

/** The gateway itself: `npm start` runs tsx, which runs the gateway as its child process. */
function gatewayPid(gw: GatewayProcess): number {
  return gatewayChildPid(gw);
}

/** Whether a process still runs (a zombie waiting for its reaper does not count). */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

interface Invocation {
  args: string[];
  pid?: number;
  stalled?: boolean;
}

/**
 * The queue across a real crash: the gateway runs as its own process, is SIGKILLed with jobs running and
 * queued, and is started again on the same HOME. Every job must end exactly once with the right record,
 * and the fake CLI's own log proves what ran and how often.
 */
describe("queue survives a SIGKILL of the gateway", () => {
  let home: string;
  let log: string;
  let gw: GatewayProcess | undefined;
  const client = jsonClient(() => gw!.url);
  const start = async () => {
    gw = await startGatewayProcess({ home, env: { FAKE_CLAUDE_LOG: log } });
  };
  const invocations = async (): Promise<Invocation[]> =>
    (await readFile(log, "utf8").catch(() => ""))
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Invocation);
  const promptOf = (call: Invocation) => call.args[call.args.indexOf("--") + 1];
  const jobs = async () => (await client.get("/api/queue?limit=1000")).jobs as Json[];

  beforeAll(async () => {
    home = await makeTempHome("viben-queue-restart-");
    log = join(home, "fake-claude.log");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${QUEUE_CLAUDE}\n`);
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "runs:\n  stop_grace_ms: 200\nqueue:\n  concurrency: 2\n  per_agent: 2\n  backoff_ms: 100\n",
    );
    await start();
    expect((await client.post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(
      201,
    );
  });

  afterAll(async () => {
    await gw?.stop("SIGTERM");
    await rm(home, { recursive: true, force: true });
  });

  it("ends every job exactly once: interrupted ones retried or failed by policy, queued ones run once", async () => {
    const enqueue = async (prompt: string, extra: Json = {}) => {
      const res = await client.post("/api/queue", { agent_id: "coder", prompt, ...extra });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const stuck = await enqueue("stall forever", { max_attempts: 1 });
    const flaky = await enqueue("stall once", { max_attempts: 2 });
    const queued = [await enqueue("job c"), await enqueue("job d", { priority: 1 }), await enqueue("job e")];

    // Both stalls run (the lanes hold two); the three others wait.
    await eventually(async () => {
      const running = (await jobs()).filter((j) => j.status === "running" && j.run_id);
      expect(running.map((j) => j.id).sort()).toEqual([stuck, flaky].sort());
      expect((await invocations()).filter((c) => c.stalled)).toHaveLength(2);
    }, 15_000);
    const before = await jobs();
    expect(before.filter((j) => j.status === "queued").map((j) => [j.prompt, j.position])).toEqual([
      ["job d", 1],
      ["job c", 2],
      ["job e", 3],
    ]);

    process.kill(gatewayPid(gw!), "SIGKILL");
    await gw!.stop();
    const orphans = (await invocations()).filter((c) => c.stalled).map((c) => c.pid!);
    await start();

    const settled = await eventually(async () => {
      const all = await jobs();
      expect(all.every((j) => ["succeeded", "failed", "cancelled"].includes(j.status as string))).toBe(true);
      return all;
    }, 20_000);
    expect(settled).toHaveLength(5);
    const byId = new Map(settled.map((j) => [j.id as string, j]));
    const reason = "interrupted: the gateway stopped while the job was running";
    expect(byId.get(stuck)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: reason,
      attempt_log: [{ n: 1, status: "interrupted", error: reason }],
    });
    expect(byId.get(flaky)).toMatchObject({
      status: "succeeded",
      attempts: 2,
      attempt_log: [
        { n: 1, status: "interrupted", error: reason },
        { n: 2, status: "succeeded" },
      ],
    });
    for (const id of queued) {
      expect(byId.get(id)).toMatchObject({
        status: "succeeded",
        attempts: 1,
        attempt_log: [{ status: "succeeded" }],
      });
    }

    // What the CLI saw: each queued job once, the stalls once each before the crash, the retry once after.
    const counts: Record<string, number> = {};
    for (const call of await invocations()) counts[promptOf(call)!] = (counts[promptOf(call)!] ?? 0) + 1;
    expect(counts).toEqual({ "stall forever": 1, "stall once": 2, "job c": 1, "job d": 1, "job e": 1 });
    // The retry continued the interrupted attempt's session.
    const flakyJob = byId.get(flaky) as { session_id: string; attempt_log: Json[] };
    expect(flakyJob.attempt_log[1]?.session_id).toBe(flakyJob.session_id);
    // The CLIs the dead gateway left behind are gone too.
    await eventually(async () => {
      for (const pid of orphans) expect(await running(pid)).toBe(false);
    });
  });

  it("records a run cut by a graceful stop (SIGTERM) as interrupted and applies the policy at the next start", async () => {
    const prompt = "stall at shutdown";
    const res = await client.post("/api/queue", { agent_id: "coder", prompt });
    const id = res.body.id as string;
    // A job is `running` from the moment it is claimed, while its run is still being prepared; a stop
    // then puts it back unspent. Wait until its run has started and the CLI itself is up.
    await eventually(async () => {
      expect(await client.get(`/api/queue/${id}`)).toMatchObject({
        status: "running",
        run_id: expect.any(String),
      });
      expect((await invocations()).filter((c) => c.stalled && promptOf(c) === prompt)).toHaveLength(1);
    }, 15_000);
    expect(await gw!.stop("SIGTERM")).toBe(0);
    await start();
    expect(await client.get(`/api/queue/${id}`)).toMatchObject({
      status: "failed",
      attempts: 1,
      error: "interrupted: the gateway shut down during the run",
    });
  });
});
