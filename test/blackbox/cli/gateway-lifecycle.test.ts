import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../../helpers/gateway-process.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
const homes: string[] = [];
const pids: number[] = [];

beforeAll(async () => {
  pkg = await buildVibenPackage();
});
afterAll(async () => {
  // Whatever a failed test left running.
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await pkg?.cleanup();
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

const newHome = async () => {
  const home = await makeTempHome("viben-cli-");
  homes.push(home);
  return home;
};

describe("viben gateway start/status/stop", () => {
  it("starts a detached gateway, reports it, refuses a second one, and stops it", async () => {
    const home = await newHome();
    const started = await viben(pkg, ["gateway", "start", "--detach", "--port", "0", "--json"], { home });
    expect(started.code, started.stderr).toBe(0);
    const info = JSON.parse(started.stdout) as { pid: number; url: string; log: string };
    pids.push(info.pid);
    expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.log).toBe(join(home, ".viben/logs/gateway.log"));

    // The gateway's own lock names it.
    const lock = JSON.parse(await readFile(join(home, ".viben/gateway.lock"), "utf8"));
    expect(lock).toMatchObject({ pid: info.pid, url: info.url });

    const status = await viben(pkg, ["gateway", "status", "--json"], { home });
    expect(status.code, status.stderr).toBe(0);
    const body = JSON.parse(status.stdout);
    expect(body).toMatchObject({
      running: true,
      pid: info.pid,
      url: info.url,
      runs: { active: 0 },
      channels: [],
    });
    expect(typeof body.version).toBe("string");
    expect(typeof body.uptime_seconds).toBe("number");

    const human = await viben(pkg, ["gateway", "status"], { home });
    expect(human.stdout).toContain(`gateway running at ${info.url}`);
    expect(human.stdout).toMatch(/runs\s+0 in flight/);

    // The same data folder on another port: the gateway itself refuses, naming the running one.
    const samefolder = await viben(pkg, ["gateway", "start", "--port", "0"], { home });
    expect(samefolder.code).not.toBe(0);
    expect(samefolder.stderr).toContain(
      `a gateway is already running on the data folder ${join(home, ".viben")}`,
    );
    expect(samefolder.stderr).toContain(`pid ${info.pid}`);
    // And through --detach, before anything is spawned.
    const detachedAgain = await viben(pkg, ["gateway", "start", "--detach", "--port", "0"], { home });
    expect(detachedAgain.code).toBe(1);
    expect(detachedAgain.stderr).toContain("already running");

    // The same port from another data folder: the port's gateway is named.
    const other = await newHome();
    const port = new URL(info.url).port;
    const sameport = await viben(pkg, ["gateway", "start", "--port", port], { home: other });
    expect(sameport.code).not.toBe(0);
    expect(sameport.stderr).toContain(`a gateway is already running at ${info.url} (pid ${info.pid}`);

    const logs = await viben(pkg, ["gateway", "logs", "-n", "5"], { home });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain(`listening on ${info.url}`);

    // doctor asks the running gateway about executors.
    const doctor = await viben(pkg, ["doctor", "--json"], { home });
    const report = JSON.parse(doctor.stdout) as { checks: Array<Record<string, string>> };
    expect(report.checks).toContainEqual(
      expect.objectContaining({ area: "gateway", status: "ok", detail: expect.stringContaining(info.url) }),
    );
    expect(report.checks).toContainEqual(expect.objectContaining({ area: "executors", name: "Claude Code" }));

    // restart: stopped, then started again on the same address.
    const restarted = await viben(pkg, ["gateway", "restart", "--json"], { home });
    expect(restarted.code, restarted.stderr).toBe(0);
    const both = JSON.parse(restarted.stdout) as {
      stopped: { pid: number };
      started: { pid: number; url: string };
    };
    pids.push(both.started.pid);
    expect(both.stopped.pid).toBe(info.pid);
    expect(both.started.url).toBe(info.url);
    expect(both.started.pid).not.toBe(info.pid);

    const stopped = await viben(pkg, ["gateway", "stop", "--json"], { home });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ stopped: true, pid: both.started.pid });
    // Released at shutdown.
    await expect(readFile(join(home, ".viben/gateway.lock"), "utf8")).rejects.toThrow(/ENOENT/);

    const after = await viben(pkg, ["gateway", "status", "--json"], { home });
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ running: false });
    const again = await viben(pkg, ["gateway", "stop"], { home });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("No gateway is running");
  });

  it("reports a gateway that exits at start with the end of its log", async () => {
    const home = await newHome();
    const result = await viben(pkg, ["gateway", "start", "--detach", "--port", "99999"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the gateway exited");
    expect(result.stderr).toContain("port must be an integer between 0 and 65535");
  });

  it("waits for readiness: a gateway.yaml that fails only the full check stops the start after the port opened", async () => {
    const home = await newHome();
    await mkdir(join(home, ".viben"), { recursive: true });
    // The address is fine (the port opens), the schema is not: the start fails while loading.
    await writeFile(join(home, ".viben/gateway.yaml"), "runs:\n  timeout_seconds: soon\n");
    const result = await viben(pkg, ["gateway", "start", "--detach", "--port", "0"], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the gateway exited");
    expect(result.stderr).toMatch(/cannot load .*gateway\.yaml: .*timeout_seconds/);
    await expect(readFile(join(home, ".viben/gateway.lock"), "utf8")).rejects.toThrow(/ENOENT/);
  });
});
