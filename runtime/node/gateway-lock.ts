import { link, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isAlive, processStartTime } from "../runs/process-tree.js";

/** ~/.viben/gateway.lock: which gateway owns the data folder, and where it listens (for `viben gateway`). */
export const GATEWAY_LOCK_FILE = "gateway.lock";

export interface GatewayLockInfo {
  pid: number;
  /** The process's start time from /proc (Linux), so a reused pid is not taken for the gateway. */
  pid_start?: string;
  started_at: string;
  data_dir: string;
  /** Known once the server listens. */
  host?: string;
  port?: number;
  url?: string;
  version?: string;
}

export class GatewayLockedError extends Error {
  override name = "GatewayLockedError";
  constructor(
    readonly holder: GatewayLockInfo,
    lockPath: string,
  ) {
    super(
      `a gateway is already running on the data folder ${holder.data_dir} (pid ${holder.pid}` +
        `${holder.url ? `, ${holder.url}` : ""}); stop it first (viben gateway stop), or remove ${lockPath} if that process is not a gateway`,
    );
  }
}

export interface GatewayLock {
  readonly path: string;
  /** Records where the gateway listens, once it does. */
  listening(address: { host: string; port: number; url: string }): Promise<void>;
  release(): Promise<void>;
}

/** Whether the lock's process still runs: the same pid and, where /proc tells, the same start time. */
export async function holderAlive(holder: GatewayLockInfo): Promise<boolean> {
  if (holder.pid_start) return isAlive({ pid: holder.pid, startTime: holder.pid_start });
  return processAlive(holder.pid);
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function readGatewayLock(dataDir: string): Promise<GatewayLockInfo | undefined> {
  const text = await readFile(join(dataDir, GATEWAY_LOCK_FILE), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const info = JSON.parse(text) as GatewayLockInfo;
    return typeof info?.pid === "number" ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data folder for this process. The lock file is written whole under a temporary name and
 * hard-linked into place, which fails if the file exists (as O_EXCL would), so no reader ever sees half a
 * lock. A lock whose process is gone (a crash, a SIGKILL) is taken over; a live one refuses the start,
 * before this gateway touches anything a running one uses (killOrphans would kill its runs).
 */
export async function acquireGatewayLock(dataDir: string, version: string): Promise<GatewayLock> {
  const path = join(dataDir, GATEWAY_LOCK_FILE);
  const pidStart = await processStartTime(process.pid);
  let info: GatewayLockInfo = {
    pid: process.pid,
    ...(pidStart ? { pid_start: pidStart } : {}),
    started_at: new Date().toISOString(),
    data_dir: dataDir,
    version,
  };
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, `${JSON.stringify(info)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw error;
      }
      const holder = await readGatewayLock(dataDir);
      if (holder && (await holderAlive(holder))) throw new GatewayLockedError(holder, path);
      await removeStale(path, holder);
    }
  } finally {
    await rm(temp, { force: true });
  }
  return {
    path,
    async listening(address) {
      info = { ...info, ...address };
      // Replaced by rename, so readers see the old lock or the new one, whole.
      const next = `${path}.${process.pid}.tmp`;
      await writeFile(next, `${JSON.stringify(info)}\n`, { mode: 0o644 });
      await rename(next, path);
    },
    async release() {
      const holder = await readGatewayLock(dataDir);
      if (holder?.pid === process.pid && holder.started_at === info.started_at)
        await rm(path, { force: true });
    },
  };
}

/**
 * Removes a lock left by a dead process. It is moved aside first and checked: if another starting gateway
 * replaced it meanwhile, that fresh lock is put back rather than deleted.
 */
async function removeStale(path: string, stale: GatewayLockInfo | undefined): Promise<void> {
  const aside = `${path}.${process.pid}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const moved = await readFile(aside, "utf8").catch(() => "");
  let movedInfo: GatewayLockInfo | undefined;
  try {
    movedInfo = JSON.parse(moved) as GatewayLockInfo;
  } catch {}
  const same =
    stale === undefined || (movedInfo?.pid === stale.pid && movedInfo.started_at === stale.started_at);
  if (same || !movedInfo || !(await holderAlive(movedInfo))) await rm(aside, { force: true });
  else await link(aside, path).finally(() => rm(aside, { force: true }));
}

/**
 * Why a port is taken: a Viben gateway there (its /health names its pid and data folder to a local caller),
 * or some other program.
 */
export async function describeAddressInUse(host: string, port: number): Promise<string> {
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const probeHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : urlHost;
  const url = `http://${urlHost}:${port}`;
  try {
    const response = await fetch(`http://${probeHost}:${port}/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await response.json()) as {
      service?: string;
      startup?: { pid?: number; config_dir?: string };
    };
    if (body.service === "viben-gateway") {
      const pid = body.startup?.pid;
      const dir = body.startup?.config_dir;
      return `a gateway is already running at ${url}${pid ? ` (pid ${pid}${dir ? `, data folder ${dir}` : ""})` : ""}; stop it first (viben gateway stop) or choose another port (--port)`;
    }
  } catch {}
  return `port ${port} on ${host} is already in use by another program; choose another port (--port)`;
}
