// run_shell: output and exit code, timeouts and stops that kill the whole process group, and leftovers
// of a finished command.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ToolContext } from "../../../runtime/native/tools/native-tool.js";
import { runShellTool } from "../../../runtime/native/tools/run-shell.js";
import { GatewayProcesses } from "../../../runtime/runs/process-cookie.js";
import { isRunning, makeWorkdir } from "./native-harness.js";

let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await workdir.cleanup();
});

function context(overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    workdir: workdir.dir,
    signal: new AbortController().signal,
    shellTimeoutMs: 5000,
    env: process.env,
    ...overrides,
  };
}

describe("run_shell", () => {
  it("runs in the workdir and returns output and exit code", async () => {
    expect(await runShellTool.execute({ command: "pwd; echo err >&2" }, context())).toEqual({
      text: `${workdir.dir}\nerr\n[exit code 0]`,
      isError: false,
    });
    expect(await runShellTool.execute({ command: "exit 3" }, context())).toEqual({
      text: "[exit code 3]",
      isError: true,
    });
  });

  it("kills the command and its children on timeout", async () => {
    const pidFile = join(workdir.dir, "child.pid");
    const started = Date.now();
    // The timeout leaves the shell ample time to start its child even on a loaded machine; the command
    // itself would last 30 s, so ending well before that is the timeout's doing.
    const outcome = await runShellTool.execute(
      { command: `sleep 30 & echo $! > ${pidFile}; echo started; wait`, timeout_ms: 2000 },
      context(),
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(outcome.isError).toBe(true);
    expect(outcome.text).toMatch(/^started\n\n\[killed: timed out after 2000 ms\]$/);
    const child = Number(await readFile(pidFile, "utf8"));
    await expect.poll(() => isRunning(child)).toBe(false);
  });

  it("uses the default timeout from the context", async () => {
    const outcome = await runShellTool.execute({ command: "sleep 10" }, context({ shellTimeoutMs: 200 }));
    expect(outcome.text).toContain("timed out after 200 ms");
  });

  it("is killed when the run stops", async () => {
    const controller = new AbortController();
    const pending = runShellTool.execute({ command: "sleep 30" }, context({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    const outcome = await pending;
    expect(outcome).toMatchObject({ isError: true, text: expect.stringContaining("the run was stopped") });
  });

  it("kills background jobs a finished command leaves behind", async () => {
    const pidFile = join(workdir.dir, "bg.pid");
    const outcome = await runShellTool.execute({ command: `(sleep 30 &  echo $! > ${pidFile})` }, context());
    expect(outcome.isError).toBe(false);
    const child = Number(await readFile(pidFile, "utf8"));
    await expect.poll(() => isRunning(child)).toBe(false);
  });

  it("kills what a finished command detached into a session of its own (the run's cookie finds it)", async () => {
    const family = (await GatewayProcesses.open(workdir.dir)).family("run", "r1");
    const outcome = await runShellTool.execute(
      // setsid leaves the command's process group, so only the cookie in its environment still names it.
      { command: "setsid sleep 30 >/dev/null 2>&1 & echo $!" },
      context({ family }),
    );
    expect(outcome.isError).toBe(false);
    const child = Number(outcome.text.split("\n")[0]);
    try {
      expect(isRunning(child)).toBe(false);
    } finally {
      if (isRunning(child)) process.kill(child, "SIGKILL");
    }
  });

  it("keeps the head and tail of long output", async () => {
    const outcome = await runShellTool.execute(
      { command: "head -c 200000 /dev/zero | tr '\\0' a; echo; echo END" },
      context(),
    );
    expect(Buffer.byteLength(outcome.text)).toBeLessThan(70 * 1024);
    expect(outcome.text).toMatch(/^a+\n\[\.\.\. \d+ bytes omitted \.\.\.\]\na+\nEND\n\[exit code 0\]$/);
  });
});
