import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawn as spawnPty } from "@lydell/node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InteractiveHarness, startInteractiveHarness } from "../../helpers/interactive-claude.js";
import { buildVibenPackage, type VibenPackage, viben } from "../../helpers/viben-cli.js";

// `viben chat` / `viben run` against a gateway running the real Claude Code CLI with the local Anthropic stub
// (test/helpers/interactive-claude.ts: SAY_HELLO, RUN_TOOL, ASK_PERM, HANG_NOW are the stub's scripts).
let pkg: VibenPackage;
let h: InteractiveHarness;

beforeAll(async () => {
  [pkg, h] = await Promise.all([buildVibenPackage(), startInteractiveHarness()]);
});
afterAll(async () => {
  await h?.close();
  await pkg?.cleanup();
});

const run = (args: string[]) => viben(pkg, ["--url", h.gw.url, ...args], { home: h.home });

describe("viben run and viben chat", () => {
  it("runs an agent for a script: --json outcome, exit code 0", async () => {
    const result = await run(["--json", "run", "claude-auto", "SAY_HELLO", "please", "-C", h.workdir]);
    expect(result.code, result.stderr).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome).toMatchObject({
      status: "completed",
      text: "Hello from the stub model.",
      tool_calls: [],
    });
    expect(outcome.session_id).toEqual(expect.any(String));
  });

  it("streams the answer with tool calls shown compactly", async () => {
    const result = await run(["chat", "claude-auto", "RUN_TOOL", "now", "-C", h.workdir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('⏺ Bash({"command":"echo tool-output-42"');
    expect(result.stdout).toContain("⎿ tool-output-42");
    expect(result.stdout).toContain("Tool said: tool-output-42");
  });

  it("refuses a tool use the agent asks for unless --yes approves it", async () => {
    const refused = await run(["--json", "run", "claude-ask", "ASK_PERM", "-C", h.workdir]);
    expect(refused.code, refused.stderr).toBe(0);
    expect(existsSync(join(h.workdir, "perm.txt"))).toBe(false);
    const approved = await run(["--json", "run", "claude-ask", "ASK_PERM", "-C", h.workdir, "--yes"]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(existsSync(join(h.workdir, "perm.txt"))).toBe(true);
  });

  it("talks in a terminal: answers stream, Ctrl-C stops the run (not the gateway), Ctrl-D leaves", async () => {
    const pty = spawnPty(
      process.execPath,
      [pkg.bin, "--url", h.gw.url, "chat", "claude-auto", "-C", h.workdir],
      {
        cols: 160,
        rows: 40,
        cwd: h.home,
        env: { PATH: process.env.PATH ?? "", HOME: h.home, TERM: "xterm-256color" },
      },
    );
    let output = "";
    const waiters = new Set<() => void>();
    pty.onData((data) => {
      output += data;
      for (const check of waiters) check();
    });
    const exited = new Promise<number>((done) => pty.onExit(({ exitCode }) => done(exitCode)));
    const waitFor = (text: string, from = 0) =>
      new Promise<number>((done, fail) => {
        // A hang names what was awaited and shows the terminal, instead of a bare test timeout.
        const timer = setTimeout(() => fail(new Error(`no "${text}" in:\n${output.slice(from)}`)), 60_000);
        const check = () => {
          const at = output.indexOf(text, from);
          if (at >= 0) {
            waiters.delete(check);
            clearTimeout(timer);
            done(at + text.length);
          }
        };
        waiters.add(check);
        check();
      });
    try {
      let at = await waitFor("you> ");
      pty.write("SAY_HELLO\r");
      at = await waitFor("Hello from the stub model.", at);
      at = await waitFor("you> ", at);
      pty.write("HANG_NOW\r");
      at = await waitFor("Working on it", at);
      pty.write("\u0003");
      at = await waitFor("(run stopped)", at);
      await waitFor("you> ", at);
      expect((await fetch(`${h.gw.url}/health`)).status).toBe(200);
      pty.write("\u0004");
      expect(await exited).toBe(0);
    } finally {
      pty.kill("SIGKILL");
    }
  });
});
