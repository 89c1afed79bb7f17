import { readdirSync, readFileSync } from "node:fs";

/**
 * Process-tree helpers for stopping runs completely. Coding-agent CLIs start tools in new sessions
 * (Claude Code runs Bash under setsid), so killing the CLI's process group is not enough: descendants are
 * found through /proc while their parent still lives, and each is killed with its own group. Each
 * process is identified by pid plus start time, so a recycled pid is never killed by mistake.
 */
export interface ProcessId {
  pid: number;
  startTime: string;
}

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  startTime: string;
  /** The command name the kernel keeps (at most 15 characters): safe to log, unlike the argv. */
  name: string;
  /** R, S, D, Z (zombie: dead, waiting for its parent to collect it), ... */
  state: string;
}

function parseStat(text: string): ProcStat | undefined {
  // The command name (field 2) may contain spaces and parentheses: split after its closing one.
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const name = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // After the name: state(0) ppid(1) pgrp(2) session(3) ... starttime is field 22 overall → index 19 here.
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (!Number.isFinite(pid) || !Number.isFinite(ppid) || startTime === undefined) return undefined;
  return { pid, ppid, pgid, startTime, name, state: fields[0] ?? "" };
}

/*
 * /proc files are made by the kernel on read, with no disk behind them: a synchronous read costs
 * microseconds, where an asynchronous one takes four trips through libuv's thread pool, queued behind
 * the fsyncs of session and journal writes (a run's end paid ~10 ms for its leftover scan that way).
 * Long scans yield to the event loop between batches.
 */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readStatNow(pid: number): ProcStat | undefined {
  const text = readProc(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseStat(text);
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  return readStatNow(pid);
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

const STAT_BATCH = 128;

/** Every process visible in /proc now, or those whose pid passes `only` (empty where /proc is not available). */
export async function allProcesses(only?: (pid: number) => boolean): Promise<ProcStat[]> {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const pids = entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => !only || only(pid));
  const stats: ProcStat[] = [];
  for (let i = 0; i < pids.length; i += STAT_BATCH) {
    if (i > 0) await yieldToLoop();
    for (const pid of pids.slice(i, i + STAT_BATCH)) {
      const stat = readStatNow(pid);
      if (stat) stats.push(stat);
    }
  }
  return stats;
}

/**
 * The processes alive now whose pid lies in (after, upTo], read one by one rather than by listing /proc:
 * a run's end asks for those born since it started, usually none or a few among hundreds. A thread's id
 * reads like a pid here (it is only hidden from the listing), so only a thread group's leader counts.
 */
export function processesInRange(after: number, upTo: number): ProcStat[] {
  const found: ProcStat[] = [];
  for (let pid = after + 1; pid <= upTo; pid++) {
    const stat = readStatNow(pid);
    if (stat && /^Tgid:\s*(\d+)$/m.exec(readProc(`/proc/${pid}/status`) ?? "")?.[1] === String(pid)) {
      found.push(stat);
    }
  }
  return found;
}

/** The process itself and every descendant alive now (empty where /proc is not available). */
export async function processTree(rootPid: number): Promise<ProcessId[]> {
  // Walking the tree's own `children` files reads a few files per process of the tree; scanning /proc
  // reads one per process of the machine (thousands on a busy one), which a run paid at every start.
  return (await childrenFilesWork()) ? walkTree(rootPid) : scanTree(rootPid);
}

let childrenFiles: Promise<boolean> | undefined;
/** Whether the kernel offers /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN). */
function childrenFilesWork(): Promise<boolean> {
  childrenFiles ??= Promise.resolve(
    readProc(`/proc/${process.pid}/task/${process.pid}/children`) !== undefined,
  );
  return childrenFiles;
}

/** The pids of a process's children (from every thread's list); empty when it is gone. */
function childPids(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const lists = tasks.map((tid) => readProc(`/proc/${pid}/task/${tid}/children`) ?? "");
  return lists.flatMap((list) =>
    list
      .split(" ")
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number),
  );
}

async function walkTree(rootPid: number): Promise<ProcessId[]> {
  const root = readStatNow(rootPid);
  if (!root) return [];
  const tree: ProcessId[] = [];
  let level = [root];
  while (level.length > 0) {
    for (const p of level) tree.push({ pid: p.pid, startTime: p.startTime });
    const stats = level.flatMap((p) => childPids(p.pid)).map(readStatNow);
    level = stats.filter((stat): stat is ProcStat => stat !== undefined);
  }
  return tree;
}

async function scanTree(rootPid: number): Promise<ProcessId[]> {
  const all = await allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return [];
  const tree: ProcessId[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    tree.push({ pid: p.pid, startTime: p.startTime });
    stack.push(...(children.get(p.pid) ?? []));
  }
  return tree;
}

/** A process's start time (clock ticks since boot), which with its pid names it uniquely; undefined without /proc. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  return (await readStat(pid))?.startTime;
}

/** Whether the exact process (pid and start time) still runs; zombies count as gone. */
export async function isAlive(id: ProcessId): Promise<boolean> {
  const stat = await readStat(id.pid);
  return stat?.startTime === id.startTime && stat.state !== "Z";
}

function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // Already gone, or not ours: nothing to do.
  }
}

/** Signals a process group (negative pid) without failing when it is gone. */
export function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  signal(-pgid, sig);
}

/** Signals each still-living process of a snapshot, and the group it leads if it leads one. */
export async function signalProcesses(ids: ProcessId[], sig: NodeJS.Signals): Promise<void> {
  for (const id of ids) {
    if (!(await isAlive(id))) continue;
    signal(-id.pid, sig);
    signal(id.pid, sig);
  }
}

export async function anyAlive(ids: ProcessId[]): Promise<boolean> {
  for (const id of ids) if (await isAlive(id)) return true;
  return false;
}

const GONE_POLL_MS = 25;

/** Polls until none of the processes is alive; false when some still are after `ms`. */
async function goneWithin(ids: ProcessId[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await anyAlive(ids))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, GONE_POLL_MS));
  }
}

/**
 * Ends exactly these processes (not their groups: a cookie names each member itself): SIGTERM, SIGKILL
 * to whoever is left after `graceMs`, then waits (at most `waitMs`) until all are gone, so a caller that
 * answers "stopped" afterwards tells the truth. Resolves false when some survived even SIGKILL's wait.
 */
export async function terminateProcesses(
  ids: ProcessId[],
  { graceMs = 500, waitMs = 5000 }: { graceMs?: number; waitMs?: number } = {},
): Promise<boolean> {
  const each = async (sig: NodeJS.Signals) => {
    for (const id of ids) if (await isAlive(id)) signal(id.pid, sig);
  };
  await each("SIGTERM");
  if (await goneWithin(ids, graceMs)) return true;
  await each("SIGKILL");
  return goneWithin(ids, waitMs);
}
