import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../helpers/gateway-process.js";

const ROOT = resolve(import.meta.dirname, "../..");
// Inside the project, so the bundle's external packages resolve from its node_modules like dist/'s do.
const OUT = join(ROOT, "node_modules/.cache", `viben-build-test-${process.pid}`);
const run = promisify(execFile);
const build = (...args: string[]) =>
  run(process.execPath, ["scripts/build.mjs", "--out", OUT, ...args], { cwd: ROOT });

/** Direct children of a process, from /proc (Linux). */
function childrenOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

describe("the production build (npm start's plain JavaScript)", () => {
  afterAll(() => rm(OUT, { recursive: true, force: true }));

  it("builds once, skips the build while nothing changed, and serves as one node process", async () => {
    await build("--force");
    const stamp = (await stat(join(OUT, ".build-stamp"))).mtimeMs;
    await build();
    expect((await stat(join(OUT, ".build-stamp"))).mtimeMs).toBe(stamp);

    const home = await makeTempHome();
    const child = spawn(process.execPath, ["--enable-source-maps", join(OUT, "node.js"), "--port", "0"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: home, VIBEN_LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stderr.on("data", (d) => {
      out += d;
    });
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on("data", (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) done(m[1]);
      });
      child.once("exit", (code) => fail(new Error(`exited with ${code}: ${out}`)));
    });
    try {
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok" });
      const agent = await fetch(`${url}/api/agent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Built" }),
      });
      expect(agent.status).toBe(201);
      // No wrapper process: the gateway is the process npm start runs.
      expect(childrenOf(child.pid as number)).toEqual([]);
    } finally {
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await rm(home, { recursive: true, force: true });
    }
  });
});
