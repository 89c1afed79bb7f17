import { spawn } from "node:child_process";
import { mkdir, open, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { withSpinner } from "../spinner.js";
import {
  alive,
  dataDir,
  GATEWAY_NODE_FLAGS,
  gatewayEntry,
  type LockInfo,
  logPath,
  readLock,
  runningGateway,
  sleep,
} from "./local.js";

export interface StartOptions {
  port?: string;
  host?: string;
  detach?: boolean;
  /** Seconds to wait for /health after a detached start. */
  timeout?: string;
}

function gatewayArgs(options: StartOptions): string[] {
  return [
    ...GATEWAY_NODE_FLAGS,
    gatewayEntry(),
    ...(options.port !== undefined ? ["--port", options.port] : []),
    ...(options.host !== undefined ? ["--host", options.host] : []),
  ];
}

/** In the foreground: the gateway's own output on this terminal; Ctrl-C stops it; its exit code is ours. */
export async function startForeground(options: StartOptions): Promise<void> {
  // Its own process group, so a Ctrl-C reaches it once, relayed from here: the terminal signalling both
  // would make the second SIGINT cut its clean shutdown short.
  const child = spawn(process.execPath, gatewayArgs(options), { stdio: "inherit", detached: true });
  const relay = (signal: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null)
      child.kill(signal === "SIGHUP" ? "SIGTERM" : signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, relay(signal));
  const code = await new Promise<number>((done, fail) => {
    child.once("error", fail);
    child.once("exit", (exitCode, signal) => done(exitCode ?? (signal ? 128 : 1)));
  });
  process.exitCode = code;
}

export interface Started {
  pid: number;
  url: string;
  log: string;
  data_dir: string;
}

/**
 * Detached: the gateway outlives this command, its output appended to ~/.viben/logs/gateway.log. Waits
 * until the gateway records its address in its lock and /health answers there ready; a gateway that exits
 * instead (a taken port or data folder, a broken config) is reported with the end of its log.
 */
export async function startDetached(context: CliContext, options: StartOptions): Promise<Started> {
  const dir = dataDir();
  const running = await runningGateway(dir);
  if (running)
    throw new CliError(
      `a gateway is already running on the data folder ${dir} (pid ${running.pid}${running.url ? `, ${running.url}` : ""})`,
    );
  const log = logPath(dir);
  await mkdir(dirname(log), { recursive: true });
  const from = (await stat(log).catch(() => undefined))?.size ?? 0;
  const file = await open(log, "a");
  const child = spawn(process.execPath, gatewayArgs(options), {
    detached: true,
    stdio: ["ignore", file.fd, file.fd],
    env: process.env,
  });
  await file.close();
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
  });
  const timeoutMs = Number(options.timeout ?? 60) * 1000;
  const started = await withSpinner(
    "Starting the gateway…",
    async (spinner) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (exited !== undefined) break;
        const lock = await readLock(dir);
        if (lock && lock.pid === child.pid && lock.url) {
          spinner.update(`Waiting for ${lock.url}/health…`);
          if (await healthy(lock)) return lock;
        }
        await sleep(100);
      }
      return undefined;
    },
    !context.json,
  );
  if (!started) {
    const tail = await logTail(log, from);
    if (exited === undefined) {
      child.unref();
      throw new CliError(
        `the gateway (pid ${child.pid}) did not answer within ${timeoutMs / 1000}s; see ${log}${tail ? `:\n${tail}` : ""}`,
      );
    }
    throw new CliError(`the gateway exited (code ${exited})${tail ? `:\n${tail}` : ""}`);
  }
  child.unref();
  return { pid: started.pid, url: started.url as string, log, data_dir: dir };
}

async function healthy(lock: LockInfo): Promise<boolean> {
  try {
    const probeUrl = (lock.url as string)
      .replace("//0.0.0.0:", "//127.0.0.1:")
      .replace("//[::]:", "//[::1]:");
    const response = await fetch(`${probeUrl}/health`, { signal: AbortSignal.timeout(2000) });
    // Up is not ready: while loading, the gateway answers `ready: false`, and a start can still fail then
    // (a gateway.yaml its schema rejects). Gateways without the field were ready when they answered.
    const body = (await response.json().catch(() => ({}))) as { ready?: boolean };
    return response.ok && body.ready !== false;
  } catch {
    return false;
  }
}

async function logTail(log: string, from: number): Promise<string> {
  const text = await readFile(log, "utf8").catch(() => "");
  return text.slice(from).trim().split("\n").slice(-10).join("\n");
}

export interface Stopped {
  stopped: boolean;
  pid?: number;
  data_dir: string;
}

/** SIGTERM to the pid in the gateway's lock, then waits for it to go (SIGKILL after the timeout with --force). */
export async function stopGateway(
  context: CliContext,
  options: { timeout?: string; force?: boolean },
): Promise<Stopped> {
  const dir = dataDir();
  const lock = await runningGateway(dir);
  if (!lock) return { stopped: false, data_dir: dir };
  try {
    process.kill(lock.pid, "SIGTERM");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH")
      return { stopped: true, pid: lock.pid, data_dir: dir };
    throw new CliError(`cannot signal the gateway (pid ${lock.pid}): ${(error as Error).message}`);
  }
  const timeoutMs = Number(options.timeout ?? 30) * 1000;
  const gone = await withSpinner(
    `Stopping the gateway (pid ${lock.pid})…`,
    async () => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (!alive(lock.pid)) return true;
        await sleep(100);
      }
      return false;
    },
    !context.json,
  );
  if (!gone) {
    if (!options.force)
      throw new CliError(
        `the gateway (pid ${lock.pid}) is still shutting down after ${timeoutMs / 1000}s; wait, or: viben gateway stop --force`,
      );
    process.kill(lock.pid, "SIGKILL");
  }
  return { stopped: true, pid: lock.pid, data_dir: dir };
}
