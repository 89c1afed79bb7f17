import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * What the lifecycle commands know of the gateway on this machine: its data folder and the lock the
 * gateway itself keeps there (runtime/node/gateway-lock.ts). Only `gateway start|stop|restart|status|logs`
 * read it; everything else speaks HTTP.
 */
export interface LockInfo {
  pid: number;
  started_at: string;
  data_dir: string;
  host?: string;
  port?: number;
  url?: string;
  version?: string;
}

/** ~/.viben, or VIBEN_HOME: the same rule as the gateway's (runtime/node/server.ts). */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = resolve(env.HOME || homedir());
  return resolve(env.VIBEN_HOME || join(home, ".viben"));
}

export const lockPath = (dir: string) => join(dir, "gateway.lock");
export const logPath = (dir: string) => join(dir, "logs", "gateway.log");

export async function readLock(dir: string): Promise<LockInfo | undefined> {
  const text = await readFile(lockPath(dir), "utf8").catch(() => undefined);
  if (!text) return undefined;
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The lock of a gateway that runs now (a lock left by a dead one does not count). */
export async function runningGateway(dir: string): Promise<LockInfo | undefined> {
  const lock = await readLock(dir);
  return lock && alive(lock.pid) ? lock : undefined;
}

/**
 * The gateway's entry, dist/node.js: beside this bundle (dist/cli.js and its chunks), as `npm start` runs it.
 */
export function gatewayEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [
    join(here, "node.js"),
    join(here, "..", "dist", "node.js"),
    join(here, "..", "..", "dist", "node.js"),
  ])
    if (existsSync(candidate)) return candidate;
  throw new Error(`the gateway's build (dist/node.js) was not found near ${here}`);
}

/** Node flags `npm start` runs the gateway with (package.json "start"): a small young generation. */
export const GATEWAY_NODE_FLAGS = ["--max-semi-space-size=2"];

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function formatDuration(seconds: number): string {
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [d ? `${d}d` : "", h ? `${h}h` : "", m ? `${m}m` : "", `${s % 60}s`].filter(Boolean);
  return parts.slice(0, 2).join(" ");
}
