import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "../..");
const WRANGLER = join(ROOT, "node_modules/.bin/wrangler");
const TSX = join(ROOT, "node_modules/.bin/tsx");
export const WRANGLER_START_TIMEOUT_MS = 60_000;

/**
 * The environment wrangler runs with in tests: no telemetry, no cf.json download, and no Cloudflare
 * credentials, so nothing can log in or reach the account (`--local` keeps bindings local too).
 */
export function offlineWranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(CLOUDFLARE_|CF_)/.test(name)) delete env[name];
  }
  return {
    ...env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    // Not a terminal: no interactive dev session, no colour codes in the captured output.
    CI: "1",
    ...extra,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** `npm run publish:edge -- --local --persist-to <dir>` as a user runs it, with HOME pointing at `home`. */
export async function publishToLocalKv(home: string, persistTo: string, workspaces: string[] = []) {
  const args = ["runtime/edge-sync/cli/publish-edge.ts", "--local", "--persist-to", persistTo];
  for (const w of workspaces) args.push("--workspace", w);
  const { stdout } = await promisify(execFile)(TSX, args, {
    cwd: ROOT,
    env: offlineWranglerEnv({ HOME: home }),
  });
  return stdout;
}

export interface WranglerDev {
  url: string;
  port: number;
  /** Milliseconds from spawning wrangler to the first answer of /health (cold start). */
  readyMs: number;
  child: ChildProcess;
  output(): string;
  /** Ends wrangler and its workerd processes (the whole process group). */
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` on a free loopback port over a `--persist-to` directory and resolves once
 * `/health` answers. It runs in its own process group so that stop() ends workerd with it.
 */
export async function startWranglerDev(options: {
  persistTo: string;
  envFile?: string;
  /** How often /health is tried while starting (the cold-start bench uses a short one). */
  pollMs?: number;
}): Promise<WranglerDev> {
  const port = await freePort();
  const inspector = await freePort();
  const args = [
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspector),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    ...(options.envFile ? ["--env-file", options.envFile] : []),
  ];
  const spawnedAt = performance.now();
  const child = spawn(WRANGLER, args, {
    cwd: ROOT,
    env: offlineWranglerEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  const collect = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) signalGroup(child, "SIGTERM");
    const killed = await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!killed) signalGroup(child, "SIGKILL");
    await exited;
    // Whatever of the group outlived wrangler (workerd) goes too.
    signalGroup(child, "SIGKILL");
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + WRANGLER_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`${url}/health`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) return { url, port, readyMs: performance.now() - spawnedAt, child, output: () => out, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer /health within ${WRANGLER_START_TIMEOUT_MS} ms:\n${out}`);
    }
    await sleep(options.pollMs ?? 100);
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
