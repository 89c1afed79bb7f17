import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

export interface GatewayProcess {
  url: string;
  home: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The gateway's own pid: the tsx CLI runs it as a child process, and a SIGKILL cannot be passed on by
 * the wrapper, so crash tests and `stop("SIGKILL")` must signal the child itself.
 */
export function gatewayChildPid(gw: { child: ChildProcess }): number {
  const out = execFileSync("ps", ["-o", "pid=", "--ppid", String(gw.child.pid)], { encoding: "utf8" });
  const pid = Number(out.trim().split(/\s+/)[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no gateway process under tsx ${gw.child.pid}`);
  return pid;
}

export async function makeTempHome(prefix = "viben-home-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Runs `npm start`'s entry as a child process on port 0 and resolves once it prints its URL. */
export async function startGatewayProcess(
  options: { home?: string; args?: string[]; env?: Record<string, string>; portArgs?: string[] } = {},
): Promise<GatewayProcess> {
  const home = options.home ?? (await makeTempHome());
  const child = spawn(
    TSX,
    ["runtime/node.ts", ...(options.portArgs ?? ["--port", "0"]), ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: home, VIBEN_LOG_LEVEL: "warn", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const url = await new Promise<string>((done, fail) => {
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) done(m[1]);
    };
    child.stdout.on("data", onData);
    child.once("exit", (code) => fail(new Error(`gateway exited with ${code}: ${out}`)));
  });
  const exited = new Promise<number | null>((done) => {
    if (child.exitCode !== null) done(child.exitCode);
    else child.once("exit", (code) => done(code));
  });
  return {
    url,
    home,
    child,
    output: () => out,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null) {
        // The wrapper relays SIGINT/SIGTERM; SIGKILL must hit the gateway itself (then the wrapper exits).
        if (signal === "SIGKILL") process.kill(gatewayChildPid({ child }), "SIGKILL");
        else child.kill(signal);
      }
      return exited;
    },
  };
}

/** Runs the entry expecting it to fail at start; resolves with the exit code and output. */
export async function runGatewayExpectingExit(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(TSX, ["runtime/node.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", VIBEN_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => {
    output += d;
  });
  child.stderr.on("data", (d) => {
    output += d;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await new Promise<number | null>((done) => child.once("exit", done));
  clearTimeout(timer);
  return { code, output };
}

export async function removeDir(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Polls until `check` passes (for changes observed through a file watcher); no fixed sleeps. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** The status of a GET sent with a forged Host header (fetch() will not send one): DNS-rebinding checks. */
export async function statusWithHost(baseUrl: string, path: string, host: string): Promise<number> {
  const { request } = await import("node:http");
  const u = new URL(baseUrl);
  return new Promise<number>((done, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, headers: { host } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end();
  });
}
