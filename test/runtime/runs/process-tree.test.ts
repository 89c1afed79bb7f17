import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { allProcesses, processesInRange, processTree } from "../../../runtime/runs/process-tree.js";

const lastPid = () => Number(readFileSync("/proc/sys/kernel/ns_last_pid", "utf8"));

/** A shell that starts a grandchild and reports both pids, then waits. */
function startFamily(): Promise<{ pid: number; grandchild: number; stop(): void }> {
  const child = spawn("sh", ["-c", "sleep 30 & echo $!; wait"], { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((done, fail) => {
    child.stdout.once("data", (chunk: Buffer) =>
      done({
        pid: child.pid as number,
        grandchild: Number(String(chunk).trim()),
        stop: () => {
          process.kill(Number(String(chunk).trim()), "SIGKILL");
          child.kill("SIGKILL");
        },
      }),
    );
    child.once("error", fail);
  });
}

describe("processTree", () => {
  it("finds a process and its descendants, the same as a scan of /proc does", async () => {
    const family = await startFamily();
    try {
      const tree = await processTree(family.pid);
      expect(tree.map((p) => p.pid).sort()).toEqual([family.pid, family.grandchild].sort());
      // The same family as the whole-machine scan sees it (parent links and start times).
      const all = await allProcesses();
      const grandchild = all.find((p) => p.pid === family.grandchild);
      expect(grandchild?.ppid).toBe(family.pid);
      expect(tree.find((p) => p.pid === family.grandchild)?.startTime).toBe(grandchild?.startTime);
    } finally {
      family.stop();
    }
  });

  it("answers an empty tree for a process that is gone", async () => {
    // Above the kernel's largest pid (4194304): never a process.
    expect(await processTree(2 ** 22 + 7)).toEqual([]);
  });
});

describe("processesInRange", () => {
  it("finds the processes born in a pid range without listing /proc, and no thread", async () => {
    const before = lastPid();
    const family = await startFamily();
    // A thread takes an id from the same counter: it reads like a pid, but is no process of its own.
    const threads = new Set(readdirSync(`/proc/${process.pid}/task`));
    const worker = new Worker("setInterval(() => {}, 1000)", { eval: true });
    await new Promise((resolve) => worker.once("online", resolve));
    const newThreads = readdirSync(`/proc/${process.pid}/task`)
      .filter((tid) => !threads.has(tid))
      .map(Number);
    try {
      expect(newThreads.length).toBeGreaterThan(0);
      // Other tests' processes may be born in the range too: the family is there, the threads are not.
      const found = processesInRange(before, lastPid()).map((p) => p.pid);
      expect(found).toEqual(expect.arrayContaining([family.pid, family.grandchild]));
      for (const tid of newThreads) expect(found).not.toContain(tid);
      expect(processesInRange(before, before)).toEqual([]);
    } finally {
      await worker.terminate();
      family.stop();
    }
  });
});
