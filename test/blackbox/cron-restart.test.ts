import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Json, openSse } from "../helpers/clients.js";
import {
  eventually,
  type GatewayProcess,
  gatewayChildPid,
  makeTempHome,
  startGatewayProcess,
} from "../helpers/gateway-process.js";
import { isGone } from "../helpers/terminal-client.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

/** The gateway itself: `npm start` runs tsx, which runs the gateway as its child process. */
function gatewayPid(gw: GatewayProcess): number {
  return gatewayChildPid(gw);
}

/**
 * SIGKILL the gateway while cron runs are in flight, start it again on the same HOME, and check that
 * every scheduled time ended exactly once with the right record: the run cut by the kill `interrupted`
 * (and not run again), times that fell while the gateway was down `missed` by policy (one catch-up run
 * for run_once), nothing replayed — checked against the fake CLI's own invocation log.
 */
describe("cron across a SIGKILL restart", () => {
  let home: string;
  let gateway: GatewayProcess | undefined;
  const orphans: number[] = [];

  afterAll(async () => {
    await gateway?.stop("SIGTERM");
    // The hung CLI of the killed gateway (its own process group) and its setsid'd grandchild, should the
    // next start have failed to kill them.
    for (const pid of orphans) {
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {}
      }
    }
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("records the interrupted run once, misses by policy, and replays nothing", async () => {
    home = await makeTempHome("viben-cron-restart-");
    const log = join(home, "fake-claude.log");
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    // Lanes wide enough that the hung run does not hold the per-second jobs back.
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "queue: { concurrency: 8, per_agent: 8, per_workspace: 8 }\n",
    );
    const env = { FAKE_CLAUDE_LOG: log };
    gateway = await startGatewayProcess({ home, env });
    let url = gateway.url;
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const runsOf = async (id: string) =>
      ((await (await fetch(`${url}/api/cron/${id}/runs?limit=1000`)).json()) as { runs: Json[] }).runs;
    expect((await post("/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" })).status).toBe(201);

    const sse = await openSse(`${url}/api/events?type=run_started,tool_start,cron_fired`);
    // Far enough ahead that the job exists before its time comes, even when each request is slow (a time
    // already past when the job is created never fires).
    const hangAt = new Date(Math.ceil((Date.now() + 5000) / 1000) * 1000).toISOString();
    const hang = await post("/api/cron", {
      name: "hang",
      schedule: `at ${hangAt}`,
      agent_id: "coder",
      prompt: "please hang",
    });
    const skip = await post("/api/cron", {
      name: "skip",
      schedule: "* * * * * *",
      agent_id: "coder",
      prompt: "tick skip",
    });
    const once = await post("/api/cron", {
      name: "once",
      schedule: "* * * * * *",
      agent_id: "coder",
      prompt: "tick once",
      misfire_policy: "run_once",
      // So the catch-up runs even if a run queued before the kill is still pending after the restart.
      overlap_policy: "allow",
    });
    for (const r of [hang, skip, once]) expect(r.status).toBe(201);

    // Kill once the hung run is under way (its CLI has started a tool) and the ticking jobs have run.
    const tool = await sse.waitFor(
      (e) => e.type === "tool_start" && (e.input as { command?: string }).command === "sleep 300",
      30_000,
    );
    const started = sse.events.find((e) => e.type === "run_started" && e.session_id === tool.session_id);
    orphans.push(started?.pid as number, (tool.input as { pid: number }).pid);
    await eventually(async () => {
      expect((await runsOf("skip")).some((r) => r.status === "succeeded")).toBe(true);
      expect((await runsOf("once")).some((r) => r.status === "succeeded")).toBe(true);
    });
    sse.close();
    const killedAt = Date.now();
    process.kill(gatewayPid(gateway), "SIGKILL");
    await gateway.stop();
    // The kill really came mid-run: the hung CLI it had started outlived it.
    expect(isGone(orphans[0]!)).toBe(false);

    // Stay down long enough for several per-second times to fall into the gap (downtime is the point here).
    await new Promise((r) => setTimeout(r, 2000));
    gateway = await startGatewayProcess({ home, env });
    // The scheduler has started (and dealt with misfires) before the gateway says it is listening.
    const upAt = Date.now();
    url = gateway.url;
    // Stop the ticking jobs so their history can be checked as a whole.
    await post("/api/cron/skip/pause", {});
    await post("/api/cron/once/pause", {});
    const settled = async (id: string) =>
      eventually(async () => {
        const runs = await runsOf(id);
        expect(runs.filter((r) => r.status === "running" || r.status === "queued")).toEqual([]);
        return runs;
      }, 15_000);

    // The run the kill cut short: interrupted, once, and its CLI was never started again.
    const hangRuns = await settled("hang");
    expect(hangRuns).toHaveLength(1);
    expect(hangRuns[0]).toMatchObject({ status: "interrupted", scheduled_for: hangAt, trigger: "schedule" });
    expect(hangRuns[0]?.error).toMatch(/interrupted/);
    const invocations = async () =>
      (await readFile(log, "utf8"))
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as { args: string[] }).args.at(-1));
    expect((await invocations()).filter((p) => p === "please hang")).toHaveLength(1);
    expect(((await (await fetch(`${url}/api/cron/hang`)).json()) as Json).next_runs).toEqual([]);

    const t = (r: Json) => Date.parse(r.scheduled_for as string);
    // Times surely in the gap: after the last one that may have fired, before the new scheduler started.
    const down = (r: Json) => t(r) > killedAt + 1000 && t(r) <= upAt - 1000;
    for (const id of ["skip", "once"]) {
      const runs = await settled(id);
      // No scheduled time was recorded twice (fired and missed, or fired twice).
      expect(new Set(runs.map((r) => r.scheduled_for)).size).toBe(runs.length);
      const started = runs.filter((r) => r.started_at !== null);
      const prompt = id === "skip" ? "tick skip" : "tick once";
      const invoked = (await invocations()).filter((p) => p === prompt).length;
      // One CLI invocation per run, except a run the kill caught before its CLI had started.
      const ran = started.filter((r) => r.status === "succeeded").length;
      const cut = started.filter((r) => r.status === "interrupted").length;
      expect(invoked).toBeGreaterThanOrEqual(ran);
      expect(invoked).toBeLessThanOrEqual(ran + cut);
      expect(runs.filter(down).length).toBeGreaterThanOrEqual(1);
      if (id === "skip") {
        expect(runs.filter(down).every((r) => r.status === "missed")).toBe(true);
        expect(runs.some((r) => r.trigger === "catch_up")).toBe(false);
      } else {
        const catchUps = runs.filter((r) => r.trigger === "catch_up");
        expect(catchUps).toHaveLength(1);
        expect(catchUps[0]?.status).toBe("succeeded");
        // The catch-up stands for the latest missed time; every earlier one in the gap is recorded missed.
        expect(
          runs.filter((r) => down(r) && t(r) < t(catchUps[0]!)).every((r) => r.status === "missed"),
        ).toBe(true);
        expect(t(catchUps[0]!)).toBeGreaterThan(killedAt);
      }
    }
    // The next start killed what the dead gateway's run left (the CLI and its setsid'd tool).
    for (const pid of orphans) expect(isGone(pid), `pid ${pid}`).toBe(true);
  });
});
