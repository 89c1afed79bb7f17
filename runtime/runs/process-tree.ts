import { readdir, readFile } from "node:fs/promises";

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

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  startTime: string;
}

function parseStat(text: string): ProcStat | undefined {
  // The command name (field 2) may contain spaces and parentheses: split after its closing one.
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const fields = text.slice(close + 2).split(" ");
  // After the name: state(0) ppid(1) pgrp(2) session(3) ... starttime is field 22 overall → index 19 here.
  const ppid = Number(fields[1]);
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (!Number.isFinite(pid) || !Number.isFinite(ppid) || startTime === undefined) return undefined;
  return { pid, ppid, pgid, startTime };
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseStat(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return undefined;
  }
}

async function allProcesses(): Promise<ProcStat[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return [];
  }
  const stats = await Promise.all(entries.filter((e) => /^\d+$/.test(e)).map((e) => readStat(Number(e))));
  return stats.filter((s): s is ProcStat => s !== undefined);
}

/** The process itself and every descendant alive now (empty where /proc is not available). */
export async function processTree(rootPid: number): Promise<ProcessId[]> {
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

/** Whether the exact process (pid and start time) still runs; zombies count as gone. */
export async function isAlive(id: ProcessId): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${id.pid}/stat`, "utf8");
    const stat = parseStat(text);
    const state = text.slice(text.lastIndexOf(")") + 2, text.lastIndexOf(")") + 3);
    return stat?.startTime === id.startTime && state !== "Z";
  } catch {
    return false;
  }
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
