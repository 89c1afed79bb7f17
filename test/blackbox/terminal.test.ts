import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import type { PtyModule } from "../../runtime/terminals/terminal-manager.js";
import { openWs } from "../helpers/clients.js";
import { isGone, openTerminal, type TerminalClient, wsUrl } from "../helpers/terminal-client.js";

interface TestGateway {
  home: string;
  gw: RunningGateway;
  open(query?: string): Promise<TerminalClient>;
  list(): Promise<{ id: string; pid: number; attached: boolean; cols: number }[]>;
  /** DELETEs every live terminal (each DELETE answers once the terminal's processes are gone). */
  killAll(): Promise<void>;
  stop(): Promise<void>;
}

/** A real gateway on port 0 with a temporary HOME and the given gateway.yaml. */
async function startTestGateway(gatewayYaml = ""): Promise<TestGateway> {
  const home = await mkdtemp(join(tmpdir(), "viben-terminal-"));
  await mkdir(join(home, ".viben"), { recursive: true });
  await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml);
  const gw = await startGateway({
    port: 0,
    env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
  });
  return {
    home,
    gw,
    open: (query = "") => openTerminal(`${wsUrl(gw.url)}${query}`),
    list: async () => {
      const body = (await (await fetch(`${gw.url}/api/terminals`)).json()) as {
        terminals: { id: string; pid: number; attached: boolean; cols: number }[];
      };
      return body.terminals;
    },
    killAll: async () => {
      const terminals = (await (await fetch(`${gw.url}/api/terminals`)).json()) as {
        terminals: { id: string }[];
      };
      await Promise.all(
        terminals.terminals.map((x) => fetch(`${gw.url}/api/terminals/${x.id}`, { method: "DELETE" })),
      );
    },
    stop: async () => {
      await gw.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("/terminal/ws", () => {
  let t: TestGateway;
  const opened: TerminalClient[] = [];
  const open = async () => {
    const client = await t.open();
    opened.push(client);
    return client;
  };

  beforeAll(async () => {
    t = await startTestGateway("terminals: { max_per_client: 50 }\n");
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await t.stop();
  });

  it("runs a command through the shell and streams its output, then its exit", async () => {
    const term = await open();
    const { pid } = await term.init({ cwd: t.home, cols: 80, rows: 24, command: "echo hello-$((6*7))" });
    expect(pid).toBeGreaterThan(0);
    await term.waitForOutput(/hello-42/);
    const exit = await term.waitFor((f) => f.type === "exit");
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(term.frames[0]?.type).toBe("ready");
  });

  it("reports the exit code of a command and of an interactive shell", async () => {
    const command = await open();
    await command.init({ cwd: t.home, cols: 80, rows: 24, command: "exit 3" });
    expect(await command.waitFor((f) => f.type === "exit")).toMatchObject({ code: 3, signal: null });

    const shell = await open();
    await shell.init({ cwd: t.home, cols: 80, rows: 24 });
    shell.send({ type: "input", data: "exit 3\r" });
    expect(await shell.waitFor((f) => f.type === "exit")).toMatchObject({ code: 3, signal: null });
  });

  it("gives the shell TERM=xterm-256color and the requested cwd", async () => {
    const cwd = join(t.home, "project");
    await mkdir(cwd, { recursive: true });
    const term = await open();
    await term.init({ cwd, cols: 80, rows: 24, command: 'echo "term=$TERM pwd=$(pwd)"' });
    await term.waitForOutput(new RegExp(`term=xterm-256color pwd=${cwd}`));
  });

  it("resizes: tput cols answers the new width in an interactive bash", async () => {
    const term = await open();
    const { terminal_id } = await term.init({ cwd: t.home, cols: 80, rows: 24 });
    let mark = term.frames.length;
    term.send({ type: "input", data: "tput cols\r" });
    await term.waitForOutput(/(?<!\d)80\r\n/, mark);

    term.send({ type: "resize", cols: 132, rows: 40 });
    mark = term.frames.length;
    term.send({ type: "input", data: "tput cols; tput lines\r" });
    await term.waitForOutput(/(?<!\d)132\r\n40\r\n/, mark);
    expect((await t.list()).find((x) => x.id === terminal_id)?.cols).toBe(132);
  });

  it("debounces a burst of resizes into one, and the last one wins", async () => {
    const term = await open();
    await term.init({
      cwd: t.home,
      cols: 80,
      rows: 24,
      command: "trap 'echo winch-$(tput cols)' WINCH; echo armed; while :; do sleep 0.02; done",
    });
    await term.waitForOutput(/armed/);
    for (let cols = 90; cols <= 100; cols++) term.send({ type: "resize", cols, rows: 24 });
    await term.waitForOutput(/winch-100/);
    await sleep(300);
    expect(term.output().match(/winch-\d+/g)).toEqual(["winch-100"]);
  });

  it("detaches on disconnect and replays recent output on reattach, then streams live", async () => {
    const first = await open();
    const { terminal_id, pid } = await first.init({ cwd: t.home, cols: 80, rows: 24 });
    first.send({ type: "input", data: "echo before-$((40+2))\r" });
    await first.waitForOutput(/before-42/);
    await first.close();
    await expect.poll(async () => (await t.list()).find((x) => x.id === terminal_id)?.attached).toBe(false);
    // While detached the shell keeps running and its output is kept for the replay.
    expect(isGone(pid)).toBe(false);

    const second = await open();
    const ready = await second.init({ terminal_id, cols: 80, rows: 24 });
    expect(ready).toEqual({ terminal_id, pid });
    const replay = second.frames[1]!;
    expect(replay).toMatchObject({ type: "output", replay: true });
    expect(String(replay.data)).toContain("before-42");

    const mark = second.frames.length;
    second.send({ type: "input", data: "echo after-$((2+2))\r" });
    await second.waitForOutput(/after-4/, mark);
    // The replay came first: no live frame precedes it.
    expect(second.frames.findIndex((f) => f.type === "output")).toBe(1);
    expect((await t.list()).find((x) => x.id === terminal_id)?.attached).toBe(true);
  });

  it("moves a terminal to the newest connection that attaches", async () => {
    const first = await open();
    const { terminal_id } = await first.init({ cwd: t.home, cols: 80, rows: 24 });
    const second = await open();
    await second.init({ terminal_id });
    await first.waitFor((f) => f.type === "error" && f.code === "TERMINAL_REPLACED");
    const mark = second.frames.length;
    second.send({ type: "input", data: "echo moved-$((1+1))\r" });
    await second.waitForOutput(/moved-2/, mark);
  });

  it("refuses a cwd outside the allowed roots, missing or relative, and stays usable", async () => {
    const term = await open();
    term.send({ type: "init", cwd: "/usr", cols: 80, rows: 24 });
    expect(await term.waitFor((f) => f.type === "error")).toMatchObject({ code: "CWD_NOT_ALLOWED" });
    await expect(term.init({ cwd: join(t.home, "missing"), cols: 80, rows: 24 })).rejects.toThrow(
      /CWD_NOT_FOUND/,
    );
    await expect(term.init({ cwd: "relative/dir", cols: 80, rows: 24 })).rejects.toThrow(/INVALID_CWD/);
    await expect(term.init({ terminal_id: "no-such-terminal" })).rejects.toThrow(/TERMINAL_NOT_FOUND/);
    await term.init({ cwd: t.home, cols: 80, rows: 24, command: "echo still-$((5+5))" });
    await term.waitForOutput(/still-10/);
  });

  it("answers malformed frames with an error frame and stays usable", async () => {
    const term = await open();
    const errors = () => term.frames.filter((f) => f.type === "error").map((f) => f.code);
    term.sendRaw("not json");
    term.send({ type: "input", data: "early" });
    term.send({ type: "resize", cols: -1, rows: 24 });
    term.send({ type: "bogus" });
    term.send({ type: "init", cwd: t.home, cols: "wide", rows: 24 });
    await expect
      .poll(errors)
      .toEqual(["INVALID_JSON", "NOT_INITIALIZED", "INVALID_FRAME", "INVALID_FRAME", "INVALID_FRAME"]);
    await term.init({ cwd: t.home, cols: 80, rows: 24 });
    term.sendRaw("{");
    term.send({ type: "init", cwd: t.home, cols: 80, rows: 24 });
    await expect
      .poll(errors)
      .toEqual([
        "INVALID_JSON",
        "NOT_INITIALIZED",
        "INVALID_FRAME",
        "INVALID_FRAME",
        "INVALID_FRAME",
        "INVALID_JSON",
        "ALREADY_INITIALIZED",
      ]);
    const mark = term.frames.length;
    term.send({ type: "input", data: "echo usable-$((3*3))\r" });
    await term.waitForOutput(/usable-9/, mark);
  });

  it("applies input sent right after init, before ready", async () => {
    const term = await open();
    term.send({ type: "init", cwd: t.home, cols: 80, rows: 24 });
    term.send({ type: "input", data: "echo early-$((7*6))\r" });
    await term.waitForOutput(/early-42/);
  });

  it("DELETE /api/terminals/:id kills the shell and its jobs, with an exit frame", async () => {
    const term = await open();
    const { terminal_id, pid } = await term.init({ cwd: t.home, cols: 80, rows: 24 });
    term.send({ type: "input", data: "sleep 1000 & echo job=$!\r" });
    await term.waitForOutput(/job=\d+/);
    const job = Number(/job=(\d+)/.exec(term.output())![1]);
    expect(isGone(job)).toBe(false);

    const res = await fetch(`${t.gw.url}/api/terminals/${terminal_id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true, id: terminal_id, exit: { reason: "killed" } });
    expect(await term.waitFor((f) => f.type === "exit")).toMatchObject({ reason: "killed" });
    expect(isGone(pid)).toBe(true);
    await expect.poll(() => isGone(job)).toBe(true);
    expect((await t.list()).some((x) => x.id === terminal_id)).toBe(false);

    const unknown = await fetch(`${t.gw.url}/api/terminals/${terminal_id}`, { method: "DELETE" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: "TERMINAL_NOT_FOUND" });
  });

  it("DELETE also kills what the shell detached into a session of its own (setsid)", async () => {
    const term = await open();
    const { terminal_id } = await term.init({ cwd: t.home, cols: 80, rows: 24 });
    // Out of the shell's tree and session at once: only the terminal's cookie still names it. setsid
    // forks here (a job is a group leader), so the sleep is found by its unique argument.
    const arg = `1000.${process.pid}7`;
    term.send({ type: "input", data: `setsid sleep ${arg} >/dev/null 2>&1 < /dev/null & echo started\r` });
    await term.waitForOutput(/started/);
    const findJob = () =>
      readdirSync("/proc").find((pid) => {
        try {
          return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${arg}\0`;
        } catch {
          return false;
        }
      });
    await expect.poll(findJob).toBeDefined();
    const job = Number(findJob());
    try {
      const res = await fetch(`${t.gw.url}/api/terminals/${terminal_id}`, { method: "DELETE" });
      expect(res.status).toBe(200);
      expect(isGone(job)).toBe(true);
    } finally {
      if (!isGone(job)) process.kill(job, "SIGKILL");
    }
  });

  it("lists live terminals with their fields", async () => {
    const term = await open();
    const { terminal_id, pid } = await term.init({ cwd: t.home, cols: 100, rows: 30, command: "cat" });
    const entry = (await t.list()).find((x) => x.id === terminal_id);
    expect(entry).toMatchObject({
      id: terminal_id,
      pid,
      cwd: t.home,
      command: "cat",
      cols: 100,
      rows: 30,
      attached: true,
      client: "addr:127.0.0.1",
    });
    expect(Object.keys(entry!).sort()).toEqual([
      "attached",
      "client",
      "cols",
      "command",
      "created_at",
      "cwd",
      "id",
      "last_activity",
      "pid",
      "rows",
    ]);
  });
});

describe("/terminal/ws limits", () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway(
      // No idle timeout here: however slowly a test runs, its idle `cat`s stay until it ends them.
      "terminals: { max_per_client: 2, grace_seconds: 0.3, idle_timeout_seconds: 0 }\n",
    );
  });

  afterAll(async () => {
    await t.stop();
  });

  it("limits terminals per client with TOO_MANY_TERMINALS; the connection stays usable", async () => {
    const a = await t.open();
    const b = await t.open();
    const c = await t.open();
    const first = await a.init({ cwd: t.home, cols: 80, rows: 24, command: "cat" });
    await b.init({ cwd: t.home, cols: 80, rows: 24, command: "cat" });
    await expect(c.init({ cwd: t.home, cols: 80, rows: 24, command: "cat" })).rejects.toThrow(
      /TOO_MANY_TERMINALS/,
    );
    await fetch(`${t.gw.url}/api/terminals/${first.terminal_id}`, { method: "DELETE" });
    await c.init({ cwd: t.home, cols: 80, rows: 24, command: "echo third-$((1+2))" });
    await c.waitForOutput(/third-3/);
    await Promise.all([a.close(), b.close(), c.close()]);
    // Detached terminals would count against the limit in the next tests for their grace period.
    await t.killAll();
  });

  it("kills a detached terminal once the grace period is over", async () => {
    const term = await t.open();
    const { terminal_id, pid } = await term.init({ cwd: t.home, cols: 80, rows: 24 });
    await term.close();
    await expect.poll(() => isGone(pid), { timeout: 5_000 }).toBe(true);
    // node-pty reports the exit once the PTY has drained, a moment after the process is gone.
    await expect.poll(async () => (await t.list()).some((x) => x.id === terminal_id)).toBe(false);
    const again = await t.open();
    await expect(again.init({ terminal_id })).rejects.toThrow(/TERMINAL_NOT_FOUND/);
    await again.close();
  });
});

describe("/terminal/ws idle timeout", () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway("terminals: { idle_timeout_seconds: 1.5 }\n");
  });

  afterAll(async () => {
    await t.stop();
  });

  it("kills an idle terminal and says why in the exit frame", async () => {
    const term = await t.open();
    const { pid } = await term.init({ cwd: t.home, cols: 80, rows: 24, command: "cat" });
    const started = Date.now();
    expect(await term.waitFor((f) => f.type === "exit", 10_000)).toMatchObject({
      reason: "idle_timeout",
      signal: "SIGHUP",
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(isGone(pid)).toBe(true);
  });
});

describe("/terminal/ws with API keys", () => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway(
      "api_keys:\n  - { name: op, key: op-secret, role: operator }\n  - { name: view, key: view-secret, role: viewer }\n",
    );
  });

  afterAll(async () => {
    await t.stop();
  });

  it("needs the operator role (?token= on the upgrade); viewers may list", async () => {
    await expect(openWs(wsUrl(t.gw.url))).rejects.toThrow(/401/);
    await expect(openWs(`${wsUrl(t.gw.url)}?token=view-secret`)).rejects.toThrow(/403/);
    const term = await t.open("?token=op-secret");
    const { terminal_id } = await term.init({ cwd: t.home, cols: 80, rows: 24, command: "cat" });
    const res = await fetch(`${t.gw.url}/api/terminals`, {
      headers: { authorization: "Bearer view-secret" },
    });
    expect(await res.json()).toMatchObject({ terminals: [{ id: terminal_id, client: "key:op" }] });
    const denied = await fetch(`${t.gw.url}/api/terminals/${terminal_id}`, {
      method: "DELETE",
      headers: { authorization: "Bearer view-secret" },
    });
    expect(denied.status).toBe(403);
    await term.close();
  });
});

describe("gateway shutdown", () => {
  it("leaves no PTY and no job of one behind", async () => {
    const t = await startTestGateway();
    const attached = await t.open();
    const a = await attached.init({ cwd: t.home, cols: 80, rows: 24 });
    attached.send({ type: "input", data: "sleep 1000 & echo job=$!\r" });
    await attached.waitForOutput(/job=\d+/);
    const job = Number(/job=(\d+)/.exec(attached.output())![1]);
    const detached = await t.open();
    const d = await detached.init({ cwd: t.home, cols: 80, rows: 24, command: "sleep 1000" });
    await detached.close();
    const pids = [a.pid, d.pid, job];
    for (const pid of pids) expect(isGone(pid)).toBe(false);

    await t.stop();
    for (const pid of pids) expect(isGone(pid), `pid ${pid}`).toBe(true);
    // The attached client was told before its connection was cut.
    expect(await attached.waitFor((f) => f.type === "exit", 2_000)).toMatchObject({ reason: "shutdown" });
  });
});

describe("a machine where the native PTY module cannot load", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-no-pty-"));
    // A real dlopen failure: a file named like the addon that is not a shared object.
    const addon = join(home, "pty.node");
    await writeFile(addon, "not an ELF file\n");
    const loadPty = async () => createRequire(import.meta.url)(addon) as PtyModule;
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
      loadPty,
    });
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  const expectWhy = (body: unknown) =>
    expect(body).toMatchObject({
      code: "NOT_SUPPORTED_IN_RUNTIME",
      error: expect.stringMatching(
        /terminals are not available: the native PTY module @lydell\/node-pty did not load.*pty\.node/,
      ),
      details: { module: "@lydell/node-pty", reason: expect.any(String) },
    });

  it("starts and serves everything else", async () => {
    expect((await fetch(`${gw.url}/health`)).status).toBe(200);
    expect((await fetch(`${gw.url}/api/agent`)).status).toBe(200);
  });

  it("answers /api/terminals with 501 and the reason", async () => {
    const list = await fetch(`${gw.url}/api/terminals`);
    expect(list.status).toBe(501);
    expectWhy(await list.json());
    const kill = await fetch(`${gw.url}/api/terminals/some-id`, { method: "DELETE" });
    expect(kill.status).toBe(501);
    expectWhy(await kill.json());
  });

  it("refuses /terminal/ws with 501: the reason on a plain GET, the status on an upgrade", async () => {
    const plain = await fetch(`${gw.url}/terminal/ws`);
    expect(plain.status).toBe(501);
    expectWhy(await plain.json());
    // @hono/node-server refuses an upgrade with the status and headers only (no body): a WebSocket
    // client sees the 501, the JSON reason is on the plain GET, in the log and on /api/terminals.
    await expect(openWs(wsUrl(gw.url))).rejects.toThrow(/upgrade refused: 501/);
  });
});
