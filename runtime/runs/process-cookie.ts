import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import {
  allProcesses,
  isAlive,
  type ProcessId,
  type ProcStat,
  processesInRange,
  processStartTime,
  terminateProcesses,
} from "./process-tree.js";

/**
 * Every process the gateway starts (executor CLIs, native shell commands and MCP servers, terminal shells)
 * carries this variable, and its descendants inherit it: a tool that detaches itself (`setsid cmd &`) is
 * re-parented away from the tree, but /proc/<pid>/environ still names its owner. This is how Jenkins'
 * ProcessTreeKiller finds what a build left behind.
 */
export const COOKIE_VARIABLE = "VIBEN_RUN_COOKIE";

/*
 * A cookie is dot-separated segments, each a family inside the one before it:
 *
 *   <data folder>.<gateway instance>.<owner>[.<part>...]
 *   3f2a9c0d1e2b4a5c.41236-982211-a1b2c3.run-<run id>.sh-2
 *
 * - data folder: 16 hex of SHA-256 of the real path of VIBEN_HOME (~/.viben). Two gateways with
 *   different homes on one machine never touch each other's processes.
 * - gateway instance: the gateway's pid, its start time (clock ticks since boot, from /proc) and a random
 *   part (several gateways may run in one process, as in tests). After a crash, the next start knows the
 *   owner is dead because no process with that pid and start time exists; a recycled pid has another start
 *   time, and a second gateway alive on the same folder keeps its processes.
 * - owner: `run-<run id>` or `term-<terminal id>`; parts below it (`sh-<n>` for one native shell
 *   command) let a tool kill its own leftovers without touching the rest of the run.
 */

/** A process found through its cookie. */
export interface CookieProcess extends ProcessId {
  cookie: string;
  /** The kernel's command name (not the argv, which may hold secrets): for logs. */
  name: string;
}

const SEGMENT_UNSAFE = /[^A-Za-z0-9_-]/g;
const COOKIE_PREFIX = Buffer.from(`${COOKIE_VARIABLE}=`);

function segment(text: string): string {
  return text.replace(SEGMENT_UNSAFE, "_") || "_";
}

/** Whether `cookie` belongs to the family `scope` (is it, or one of its parts). */
function within(cookie: string, scope: string): boolean {
  return cookie === scope || cookie.startsWith(`${scope}.`);
}

/** The cookie in a process's environment as it was exec'd, or undefined (none, gone, not ours to read). */
function readCookie(pid: number): string | undefined {
  let environ: Buffer;
  try {
    // Synchronous: a /proc file has no disk behind it (see process-tree.ts).
    environ = readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined;
  }
  let at = environ.subarray(0, COOKIE_PREFIX.length).equals(COOKIE_PREFIX) ? 0 : -1;
  if (at < 0) {
    const found = environ.indexOf(Buffer.concat([Buffer.from([0]), COOKIE_PREFIX]));
    if (found < 0) return undefined;
    at = found + 1;
  }
  const start = at + COOKIE_PREFIX.length;
  const end = environ.indexOf(0, start);
  return environ.toString("utf8", start, end < 0 ? environ.length : end);
}

/** Environ files read between two yields to the event loop (a scan of a busy machine reads thousands). */
const READ_BATCH = 64;

/**
 * Every process carrying a cookie, but never this process nor one of its ancestors: a gateway started
 * from a terminal of another carries that terminal's cookie, and must not kill itself or its shell.
 */
async function scanCookies(
  processes: Promise<ProcStat[]> | ProcStat[] = allProcesses(),
): Promise<CookieProcess[]> {
  const all = await processes;
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const spared = new Set<number>();
  for (let pid: number | undefined = process.pid; pid && !spared.has(pid); pid = byPid.get(pid)?.ppid) {
    spared.add(pid);
  }
  const candidates = all.filter((p) => p.state !== "Z" && !spared.has(p.pid));
  const found: CookieProcess[] = [];
  for (let i = 0; i < candidates.length; i += READ_BATCH) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const p of candidates.slice(i, i + READ_BATCH)) {
      const cookie = readCookie(p.pid);
      if (cookie === undefined) continue;
      // Read after the environ: if the pid was recycled meanwhile, the start time no longer matches.
      if (!(await isAlive(p))) continue;
      found.push({ pid: p.pid, startTime: p.startTime, cookie, name: p.name });
    }
  }
  return found;
}

let scanning: Promise<CookieProcess[]> | undefined;
let queued: Promise<CookieProcess[]> | undefined;

/**
 * A scan that starts after the call (so it sees every process alive at that moment), shared by every
 * caller waiting meanwhile: runs ending together cost one pass over /proc, not one each.
 */
function freshScan(): Promise<CookieProcess[]> {
  if (!scanning) {
    scanning = scanCookies().finally(() => {
      scanning = undefined;
    });
    return scanning;
  }
  queued ??= scanning
    .catch(() => [])
    .then(() => {
      queued = undefined;
      return freshScan();
    });
  return queued;
}

/**
 * Living processes whose cookie passes `match` (see scanCookies); empty where /proc is not available.
 * With `bornAfter` (the last pid the kernel had handed out before the first of them started), only newer
 * pids are read, unless the pids wrapped around since.
 */
export async function findCookieProcesses(
  match: (cookie: string) => boolean,
  bornAfter?: number,
): Promise<CookieProcess[]> {
  const last = bornAfter === undefined ? undefined : lastPid();
  let found: CookieProcess[];
  if (bornAfter === undefined || last === undefined || last < bornAfter) found = await freshScan();
  else if (last - bornAfter <= RANGE_READ_MAX) found = await scanCookies(processesInRange(bornAfter, last));
  else found = await scanCookies(allProcesses((pid) => pid > bornAfter));
  return found.filter((p) => match(p.cookie));
}

/** Up to this many pids handed out since a family's start are read one by one; more, and /proc is listed. */
const RANGE_READ_MAX = 64;

/** The last pid the kernel handed out (undefined without /proc). */
function lastPid(): number | undefined {
  try {
    const value = Number(readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));
    return Number.isInteger(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kills every process matching `match`, again and again while new ones appear (a member may fork while
 * the others die), at most a few rounds. Resolves with what was killed, once it is gone.
 */
async function killMatching(
  match: (cookie: string) => boolean,
  bornAfter?: number,
): Promise<CookieProcess[]> {
  const killed = new Map<string, CookieProcess>();
  for (let round = 0; round < 3; round++) {
    const found = (await findCookieProcesses(match, bornAfter)).filter(
      (p) => !killed.has(`${p.pid}:${p.startTime}`),
    );
    if (found.length === 0) break;
    for (const p of found) killed.set(`${p.pid}:${p.startTime}`, p);
    await terminateProcesses(found);
  }
  return [...killed.values()];
}

/** The processes one owner (a run, a terminal, one shell command) starts, marked by one cookie. */
export class ProcessFamily {
  /**
   * Every member gets a pid above this one (barring a wrap-around, which kill() notices): scanning newer
   * pids only keeps a run's end from reading every process of a busy machine.
   */
  private readonly bornAfter = lastPid();

  constructor(readonly cookie: string) {}

  /** `base` plus the cookie: the environment to start a member with. */
  env(base: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
    return { ...base, [COOKIE_VARIABLE]: this.cookie };
  }

  /** A family inside this one: its members are this family's members too. */
  child(name: string): ProcessFamily {
    return new ProcessFamily(`${this.cookie}.${segment(name)}`);
  }

  /** Kills every living member wherever it was re-parented; resolves with them once they are gone. */
  kill(): Promise<CookieProcess[]> {
    return killMatching((cookie) => within(cookie, this.cookie), this.bornAfter);
  }
}

const INSTANCE = /^(\d+)-(\d+)-[0-9a-f]+$/;

/**
 * Whether the gateway instance named in a cookie still runs (pid and start time, so a recycled pid does
 * not count). A malformed instance was not written by a gateway: it counts as alive, so it is never killed.
 */
async function instanceAlive(instance: string): Promise<boolean> {
  const parts = INSTANCE.exec(instance);
  if (!parts) return true;
  const id = { pid: Number(parts[1]), startTime: parts[2] ?? "" };
  if (id.startTime === "0") {
    // Started where /proc was not readable: the pid alone is all there is, so err on the side of sparing.
    try {
      process.kill(id.pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  }
  return isAlive(id);
}

/** One gateway's cookies: a family per run and per terminal, and the sweeps at shutdown and start. */
export class GatewayProcesses {
  private constructor(
    /** The data folder's segment. */
    readonly home: string,
    /** `<home>.<instance>`: every process this gateway instance started carries it. */
    readonly prefix: string,
  ) {}

  /** Cookies for a gateway whose global data lives in `dataFolder` (VIBEN_HOME or ~/.viben). */
  static async open(dataFolder: string): Promise<GatewayProcesses> {
    const folder = await realpath(dataFolder).catch(() => resolve(dataFolder));
    const home = createHash("sha256").update(folder).digest("hex").slice(0, 16);
    const startTime = (await processStartTime(process.pid)) ?? "0";
    const instance = `${process.pid}-${startTime}-${randomBytes(3).toString("hex")}`;
    return new GatewayProcesses(home, `${home}.${instance}`);
  }

  /** The family of one run (`run`) or terminal (`term`). */
  family(kind: "run" | "term", id: string): ProcessFamily {
    return new ProcessFamily(`${this.prefix}.${kind}-${segment(id)}`);
  }

  /** Kills whatever this gateway instance started that still runs (at shutdown, after runs and terminals stopped). */
  killAll(): Promise<CookieProcess[]> {
    return killMatching((cookie) => within(cookie, this.prefix));
  }

  /**
   * Kills what earlier gateways on the same data folder left running (after a SIGKILL or a crash): cookies
   * of this folder whose gateway instance is dead. Other folders' processes, and those of a gateway still
   * running on this folder, are never touched.
   */
  async killOrphans(): Promise<CookieProcess[]> {
    const candidates = await findCookieProcesses(
      (cookie) => within(cookie, this.home) && !within(cookie, this.prefix),
    );
    const instances = new Map<string, boolean>();
    for (const p of candidates) {
      const instance = p.cookie.split(".")[1] ?? "";
      if (!instances.has(instance)) instances.set(instance, await instanceAlive(instance));
    }
    const dead = new Set([...instances].filter(([, alive]) => !alive).map(([instance]) => instance));
    if (dead.size === 0) return [];
    return killMatching((cookie) => {
      const [home, instance] = cookie.split(".");
      return home === this.home && dead.has(instance ?? "");
    });
  }
}

/** A cookie's owner (what follows the data folder and the instance), for logs. */
export function cookieOwner(cookie: string): string {
  return cookie.split(".").slice(2).join(".");
}
