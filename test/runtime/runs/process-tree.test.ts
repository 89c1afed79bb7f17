import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { allProcesses, processTree } from "../../../runtime/runs/process-tree.js";

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
