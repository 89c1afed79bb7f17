import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, makeTempHome } from "../helpers/gateway-process.js";
import { startRedisServer } from "../helpers/redis-server.js";

const ROOT = resolve(import.meta.dirname, "../..");
// Inside the project, so the bundle's external packages resolve from its node_modules like dist/'s do.
const OUT = join(ROOT, "node_modules/.cache", `viben-build-test-${process.pid}`);
const run = promisify(execFile);
const TRIVIAL_CLAUDE = join(ROOT, "test/fixtures/queue-trivial-claude.sh");
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

interface Metafile {
  outputs: Record<string, { imports: { path: string; kind: string }[]; inputs: Record<string, unknown> }>;
}

/** The npm packages in the output files that load with `entry` itself (static imports, transitively). */
function packagesLoadedAtStart(meta: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const output = meta.outputs[file];
    if (!output) return;
    for (const input of Object.keys(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
      if (name) packages.add(name);
    }
    for (const imported of output.imports) if (imported.kind === "import-statement") visit(imported.path);
  };
  visit(entry);
  return packages;
}

describe("the production build (npm start's plain JavaScript)", () => {
  afterAll(() => rm(OUT, { recursive: true, force: true }));

  it("builds once, skips the build while nothing changed, and serves as one node process", async () => {
    await build("--force");
    const stamp = (await stat(join(OUT, ".build-stamp"))).mtimeMs;
    await build();
    expect((await stat(join(OUT, ".build-stamp"))).mtimeMs).toBe(stamp);

    // What a request may never need loads on first use, not at start; and what opens the port is only the
    // front (runtime/node/front.ts): the app, its libraries and the services load once it listens.
    const meta = JSON.parse(readFileSync(join(OUT, "meta.json"), "utf8")) as Metafile;
    const entry = Object.keys(meta.outputs).find((file) => file.endsWith("/node.js"));
    const atStart = packagesLoadedAtStart(meta, entry as string);
    expect([...atStart]).toEqual(["yaml"]);
    for (const lazy of [
      "hono",
      "@hono/node-server",
      "zod",
      "unstorage",
      "ai",
      "@ai-sdk/anthropic",
      "@ai-sdk/openai",
      "@modelcontextprotocol/sdk",
      "@agentclientprotocol/sdk",
      "smol-toml",
      "jsonc-parser",
      "swagger-ui-dist",
      "oauth4webapi",
      "tar-stream",
      "ws",
      "ioredis",
    ]) {
      expect(atStart, lazy).not.toContain(lazy);
    }

    const home = await makeTempHome();
    const child = spawn(process.execPath, ["--max-semi-space-size=2", join(OUT, "node.js"), "--port", "0"], {
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
        body: JSON.stringify({ name: "Built", provider: "missing", model: "some-model" }),
      });
      expect(agent.status).toBe(201);
      // Lazily loaded chunks load from the bundle: the docs page and the native runner (which refuses an
      // agent without a provider only after loading).
      const docs = await fetch(`${url}/docs`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain("/openapi.json");
      // The dashboard built beside the bundle (dist/web) is its page at /, its files under /ui/.
      const dashboard = await fetch(`${url}/`);
      expect(dashboard.status).toBe(200);
      const index = await dashboard.text();
      const script = /src="\/ui\/([^"]+\.js)"/.exec(index)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${url}/ui/${script}`)).headers.get("content-type")).toContain("javascript");
      const { id } = (await agent.json()) as { id: string };
      const spawned = await fetch(`${url}/api/agent/${id}/spawn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "hello", workdir: home }),
      });
      expect(spawned.status).toBe(400);
      expect(await spawned.json()).toMatchObject({ code: "PROVIDER_NOT_CONFIGURED" });
      // No wrapper process: the gateway is the process npm start runs.
      expect(childrenOf(child.pid as number)).toEqual([]);
    } finally {
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await rm(home, { recursive: true, force: true });
    }
  });

  it("runs in multi-instance mode: loads ioredis from the bundle, registers in Redis and runs a queued job", async () => {
    await build();
    const redis = await startRedisServer();
    const home = await makeTempHome();
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${TRIVIAL_CLAUDE}\n`);
    const child = spawn(process.execPath, [join(OUT, "node.js"), "--port", "0"], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        VIBEN_LOG_LEVEL: "warn",
        VIBEN_REDIS_URL: redis.url,
        VIBEN_INSTANCE_ID: "built",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    try {
      const url = await new Promise<string>((done, fail) => {
        child.stdout.on("data", () => {
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) done(m[1]);
        });
        child.once("exit", (code) => fail(new Error(`exited with ${code}: ${out}`)));
      });
      const client = new Redis(redis.url);
      try {
        expect(JSON.parse((await client.get("viben:instances:built")) ?? "{}")).toMatchObject({ url });
      } finally {
        client.disconnect();
      }
      const queued = await fetch(`${url}/api/queue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent_id: "CLAUDE_CODE", prompt: "from the bundle" }),
      });
      expect(queued.status).toBe(202);
      const { id } = (await queued.json()) as { id: string };
      await eventually(async () => {
        const job = (await (await fetch(`${url}/api/queue/${id}`)).json()) as { status: string };
        expect(job.status).toBe("succeeded");
      });
    } finally {
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      await redis.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
