import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AgentOutput, OutputParser } from "../../../runtime/executors/adapter.js";
import { findOnPath } from "../../../runtime/executors/command-lookup.js";
import { SpawnHelper } from "../../../runtime/runs/spawn-helper.js";
import { SupervisedProcess } from "../../../runtime/runs/supervised-process.js";

/** Every stdout line as a delta. */
const lines = (): OutputParser => ({
  line: (text) => [{ kind: "delta", text }],
  end: () => [],
});

function stat(pid: number): { ppid: number; pgid: number } {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

/** Whether a living (not zombie) process is left in the group. */
function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") return true;
    } catch {}
  }
  return false;
}

/** A process description with no output handling, for starts expected to fail. */
function spec(command: string) {
  return { command, args: [], cwd: process.cwd(), env: process.env, parser: lines(), onOutput: () => {} };
}

function start(
  helper: SpawnHelper,
  script: string,
  stdin?: string,
  keepStdinOpen = false,
  args: string[] = [],
) {
  const outputs: AgentOutput[] = [];
  const started = SupervisedProcess.start(
    {
      command: "sh",
      args: ["-c", script, "sh", ...args],
      cwd: process.cwd(),
      env: { ...process.env, SPAWN_HELPER_TEST: "yes" },
      stdin,
      keepStdinOpen,
      parser: lines(),
      onOutput: (output) => outputs.push(output),
      graceMs: 200,
    },
    helper,
  );
  return { started, outputs };
}

const texts = (outputs: AgentOutput[]) => outputs.map((o) => (o.kind === "delta" ? o.text : o.kind));

describe.each(["python", "node"] as const)("spawning executors from the %s spawn helper", (program) => {
  const helper = new SpawnHelper({ program });
  afterAll(() => helper.close());

  it("is the program asked for (Python is on this machine)", async () => {
    expect(await helper.program()).toBe(program);
  });

  it("runs the process in its own group under the helper, relaying stdin, stdout, stderr and the exit", async () => {
    const { started, outputs } = start(
      helper,
      'echo "pid $$ $SPAWN_HELPER_TEST"; read line; echo "got $line"; echo oops >&2; exit 3',
      undefined,
      true,
    );
    const child = await started;
    // It waits for its line on stdin meanwhile.
    expect(stat(child.pid).pgid).toBe(child.pid);
    expect(stat(child.pid).ppid).not.toBe(process.pid);
    child.write("hello\n");
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 3, signal: null });
    expect(exit.stderrTail).toBe("oops\n");
    expect(texts(outputs)).toEqual([`pid ${child.pid} yes`, "got hello"]);
  });

  it("keeps stdin open for a two-way process until endInput", async () => {
    const { started, outputs } = start(helper, 'while read line; do echo "echo $line"; done', "one\n", true);
    const child = await started;
    expect(child.write("two\n")).toBe(true);
    child.endInput();
    expect((await child.exited).code).toBe(0);
    expect(texts(outputs)).toEqual(["echo one", "echo two"]);
  });

  it("stops the whole group with the usual escalation", async () => {
    const { started } = start(helper, "trap '' INT; sleep 30 & wait");
    const child = await started;
    await child.stop();
    const exit = await child.exited;
    expect(exit.code === null || exit.code > 128).toBe(true);
    await expect.poll(() => groupAlive(child.pid)).toBe(false);
  });

  it("reports a command that cannot start as a direct spawn does", async () => {
    const child = await SupervisedProcess.start(
      {
        command: "/nonexistent/executor",
        args: [],
        cwd: process.cwd(),
        env: process.env,
        parser: lines(),
        onOutput: () => {},
      },
      helper,
    );
    const exit = await child.exited;
    expect(exit.code).toBeNull();
    expect(exit.stderrTail).toContain("ENOENT");
  });

  it("refuses an argument with a NUL byte as a direct spawn does, and runs the next one", async () => {
    const refused = await SupervisedProcess.start({ ...spec("echo"), args: ["a\u0000b"] }, helper).catch(
      (error: Error) => error,
    );
    if (!(refused instanceof Error)) expect((await refused.exited).code).toBeNull();
    // A lone surrogate (valid in JSON) is passed on as U+FFFD, as Node encodes it.
    const { started, outputs } = start(helper, 'echo "$1"', undefined, false, ["lone \ud800 end"]);
    const child = await started;
    expect((await child.exited).code).toBe(0);
    expect(texts(outputs)).toEqual(["lone \ufffd end"]);
  });

  it("ends the runs of a helper that dies, and starts a new helper for the next spawn", async () => {
    const { started } = start(helper, "sleep 30");
    const child = await started;
    const first = stat(child.pid).ppid;
    process.kill(first, "SIGKILL");
    const exit = await child.exited;
    expect(exit.stderrTail).toContain("spawn helper exited");
    // The supervisor killed the orphaned group.
    await expect.poll(() => groupAlive(child.pid)).toBe(false);
    // Held open until its parent is read: a finished child's /proc entry can be gone already.
    const next = await start(helper, "read line; echo again", undefined, true).started;
    expect(stat(next.pid).ppid).not.toBe(first);
    next.endInput();
    expect((await next.exited).code).toBe(0);
  });

  it("lets an idle helper exit, and starts another for the next run", async () => {
    const brief = new SpawnHelper({ program, idleExitMs: 50 });
    const first = await start(brief, "read line; echo one", undefined, true).started;
    const helperPid = stat(first.pid).ppid;
    first.endInput();
    expect((await first.exited).code).toBe(0);
    // No child left: the helper goes away after its idle time (its parent, this process, reaps it).
    await expect
      .poll(() => {
        try {
          return readFileSync(`/proc/${helperPid}/stat`, "utf8").includes(") Z ") ? "zombie" : "alive";
        } catch {
          return "gone";
        }
      })
      .toBe("gone");
    const { started, outputs } = start(brief, "read line; echo two", undefined, true);
    const second = await started;
    const next = stat(second.pid).ppid;
    expect([helperPid, process.pid]).not.toContain(next);
    second.endInput();
    expect((await second.exited).code).toBe(0);
    expect(texts(outputs)).toEqual(["two"]);
    brief.close();
  });

  it("falls back to spawning directly when the helper cannot start", async () => {
    const broken = new SpawnHelper({
      program,
      nodePath: "/nonexistent/node",
      pythonPath: "/nonexistent/python3",
    });
    const { started, outputs } = start(broken, 'echo "parent $PPID"');
    const child = await started;
    expect((await child.exited).code).toBe(0);
    expect(texts(outputs)).toEqual([`parent ${process.pid}`]);
  });
});

describe("choosing the spawn helper's program", () => {
  it("finds python3 on PATH, and uses Node's helper where there is none or it cannot run", async () => {
    expect(await findOnPath(["python3"], { PATH: "/nonexistent:/usr/bin" })).toBe("/usr/bin/python3");
    expect(await findOnPath(["python3"], { PATH: "/nonexistent" })).toBeUndefined();
    // A "python3" that exits at once never says it is ready: the helper that follows is Node's.
    const helper = new SpawnHelper({ pythonPath: "/bin/false" });
    expect(await helper.program()).toBe("python");
    const { started, outputs } = start(helper, "echo fine");
    const child = await started;
    expect((await child.exited).code).toBe(0);
    expect(texts(outputs)).toEqual(["fine"]);
    await expect.poll(() => helper.program()).toBe("node");
    const next = await start(helper, "read line || true", undefined, true).started;
    const parent = stat(next.pid).ppid;
    expect(parent).not.toBe(process.pid);
    expect(readFileSync(`/proc/${parent}/stat`, "utf8")).toContain("(node)");
    next.endInput();
    expect((await next.exited).code).toBe(0);
    helper.close();
  });

  it("stops a Python helper that never says it runs, spawns directly meanwhile, then uses Node's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "viben-hung-python-"));
    const hung = join(dir, "python3");
    writeFileSync(hung, "#!/bin/sh\nexec sleep 60\n", { mode: 0o755 });
    const helper = new SpawnHelper({ pythonPath: hung, pythonStartMs: 100 });
    try {
      const { started, outputs } = start(helper, 'echo "parent $PPID"');
      const child = await started;
      expect((await child.exited).code).toBe(0);
      expect(texts(outputs)).toEqual([`parent ${process.pid}`]);
      expect(await helper.program()).toBe("node");
    } finally {
      helper.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("relays large input and output whole, in order", async () => {
    const helper = new SpawnHelper({ program: "python" });
    const big = "x".repeat(300_000);
    const { started, outputs } = start(helper, "cat; echo; echo done", `${big}\n`);
    const child = await started;
    expect((await child.exited).code).toBe(0);
    expect(texts(outputs)).toEqual([big, "", "done"]);
    helper.close();
  });
});
