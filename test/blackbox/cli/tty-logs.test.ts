import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { spawn as spawnPty } from "@lydell/node-pty";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnthropicStub, startAnthropicStub } from "../../fixtures/anthropic-stub.js";
import { makeTempHome } from "../../helpers/gateway-process.js";
import { configureRealClaudeHome, realClaudeEnv } from "../../helpers/real-claude-home.js";
import { buildVibenPackage, type VibenPackage } from "../../helpers/viben-cli.js";

let pkg: VibenPackage;
let stub: AnthropicStub;
let home: string;

beforeAll(async () => {
  pkg = await buildVibenPackage();
  stub = await startAnthropicStub(() => ({ text: "Hello from the stub" }));
  home = await makeTempHome("viben-cli-tty-");
  await configureRealClaudeHome(home, 120);
});
afterAll(async () => {
  await stub?.close();
  await pkg?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

describe("viben gateway start on a terminal", () => {
  it("prints coloured one-line logs, the dashboard and docs URLs, and a line at each end of a run", async () => {
    const workdir = join(home, "project");
    await mkdir(workdir);
    const env = { ...realClaudeEnv(home, stub.url), VIBEN_LOG_LEVEL: "info", TERM: "xterm-256color" };
    const pty = spawnPty(process.execPath, [pkg.bin, "gateway", "start", "--port", "0"], {
      cols: 200,
      rows: 50,
      cwd: home,
      env: env as Record<string, string>,
    });
    let output = "";
    const waiters = new Set<() => void>();
    pty.onData((data) => {
      output += data;
      for (const check of waiters) check();
    });
    const exited = new Promise<number>((done) => pty.onExit(({ exitCode }) => done(exitCode)));
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((done) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            waiters.delete(check);
            done(match);
          }
        };
        waiters.add(check);
        check();
      });
    try {
      const url = (await waitFor(/listening on (http:\/\/[\d.:]+)/))[1] as string;
      await waitFor(new RegExp(`Dashboard ${url}/ .*API docs ${url}/docs`));
      // Log lines are readable and coloured, not JSON.
      await waitFor(/\u001b\[32mINFO \u001b\[0m \u001b\[1mlistening\u001b\[0m/);
      expect(output).not.toMatch(/\{"ts":/);

      const post = (path: string, body: unknown, method = "POST") =>
        fetch(`${url}${path}`, {
          method,
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const agent = await post("/api/agent", {
        name: "Claude",
        executor_type: "CLAUDE_CODE",
        model: "claude-sonnet-4-5",
        permission_mode: "bypassPermissions",
      });
      expect(agent.status).toBe(201);
      const chat = await post("/api/chat", { message: "hi", agent_id: "claude", workdir });
      expect(chat.status).toBe(200);
      const { session_id: session } = (await chat.json()) as { session_id: string };

      const started = await waitFor(/\u001b\[36m\u001b\[1mrun started\u001b\[0m\u001b\[0m[^\n]*/);
      expect(started[0]).toContain("agent=\u001b[0mclaude");
      expect(started[0]).toContain(`session=\u001b[0m${session}`);
      const ended = await waitFor(/\u001b\[32m\u001b\[1mrun completed\u001b\[0m\u001b\[0m[^\n]*/);
      expect(ended[0]).toContain("exit_code=\u001b[0m0");
      expect(ended[0]).toMatch(/duration_ms=\u001b\[0m\d+/);
      // Ctrl-C on the terminal: the gateway shuts down cleanly, once.
      pty.write("\u0003");
      expect(await exited).toBe(0);
      expect(output).toContain("SIGINT received, shutting down");
    } finally {
      // Only if a step above failed before the gateway exited.
      try {
        pty.kill("SIGKILL");
      } catch {}
    }
  });
});
