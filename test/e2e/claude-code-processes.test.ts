// A run owns everything it starts (issue 9, items 4-5): the real Claude Code CLI, driven through a real
// gateway process against the local Anthropic stub, runs a Bash tool that detaches itself
// (`setsid sleep ... &`). Its shell exits at once, so the sleep is re-parented away from the CLI's tree;
// the gateway must still kill it at stop, at run end, at shutdown, and, after a SIGKILL of the gateway,
// at the next start on the same data folder, without touching anything else.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type AnthropicStub,
  type MessagesRequest,
  type StubReply,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { jsonClient, openSse, type SseClient } from "../helpers/clients.js";
import {
  type GatewayProcess,
  makeTempHome,
  removeDir,
  startGatewayProcess,
} from "../helpers/gateway-process.js";
import { configureRealClaudeHome } from "../helpers/real-claude-home.js";
import { openTerminal, wsUrl } from "../helpers/terminal-client.js";

/** Every sleep this file starts runs `sleep 300.<MARK><n>`: unique to this test process, so cleanup finds all. */
const MARK = `${process.pid}0`;
let sleeps = 0;
const nextSleep = () => `300.${MARK}${++sleeps}`;

interface ProcessId {
  pid: number;
  startTime: string;
}

function stat(pid: number): { startTime: string; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** Living (not zombie: an orphan's parent here may never reap it) processes whose argv is `sleep <arg>`. */
function findSleeps(match: (arg: string) => boolean): ProcessId[] {
  const found: ProcessId[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[0] !== "sleep" || argv[1] === undefined || !match(argv[1])) continue;
    const s = stat(Number(entry));
    if (s && s.state !== "Z") found.push({ pid: Number(entry), startTime: s.startTime });
  }
  return found;
}

const sleepsOf = (arg: string) => findSleeps((a) => a === arg);

function alive(id: ProcessId): boolean {
  const s = stat(id.pid);
  return s !== undefined && s.startTime === id.startTime && s.state !== "Z";
}

/** Bounded poll for a condition nothing announces (a process appearing or disappearing). */
async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The one detached sleep a run's Bash tool started (it may take a moment to exec after the tool returns). */
async function detachedSleep(arg: string): Promise<ProcessId> {
  await until(() => sleepsOf(arg).length === 1, `sleep ${arg} to run`);
  return sleepsOf(arg)[0]!;
}

/** The stub: a prompt `DETACH <arg>` makes the model call Bash with a detaching command; `THEN_HANG` keeps the run going. */
function reply(body: MessagesRequest): StubReply {
  const conversation = JSON.stringify(body.messages);
  if (toolResults(body).length > 0) {
    return conversation.includes("THEN_HANG") ? { hang: true } : { text: "Detached it.", chunks: 1 };
  }
  const arg = /DETACH (300\.\d+)/.exec(conversation)?.[1];
  if (!arg) return { text: "Nothing to do." };
  return {
    toolUse: {
      name: "Bash",
      input: { command: `setsid sleep ${arg} >/dev/null 2>&1 &`, description: "detach a sleep" },
    },
  };
}

let stub: AnthropicStub;
const homes: string[] = [];
const gateways: GatewayProcess[] = [];
const streams: SseClient[] = [];
const strays: ChildProcess[] = [];
/** The CLIs of the runs: a crashed gateway leaves them running, and a failed test must not. */
const clis: ProcessId[] = [];

/** A temporary HOME with the real CLI configured and a gateway.yaml with a short stop grace. */
async function prepareHome(): Promise<string> {
  const home = await makeTempHome("viben-procs-");
  homes.push(home);
  await configureRealClaudeHome(home, 300);
  return home;
}

async function startGateway(home: string): Promise<GatewayProcess> {
  const gw = await startGatewayProcess({
    home,
    env: {
      TMPDIR: join(home, "tmp"),
      CLAUDE_CONFIG_DIR: join(home, ".claude"),
      ANTHROPIC_BASE_URL: stub.url,
      ANTHROPIC_API_KEY: "test-key",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      IS_SANDBOX: "1",
    },
  });
  gateways.push(gw);
  return gw;
}

async function createAgent(gw: GatewayProcess): Promise<void> {
  const created = await jsonClient(() => gw.url).post("/api/agent", {
    name: "Claude",
    executor_type: "CLAUDE_CODE",
    model: "claude-sonnet-4-5",
    permission_mode: "bypassPermissions",
  });
  expect(created.status).toBe(201);
}

/** Spawns a run whose Bash tool detaches `sleep <arg>`; resolves once the tool has returned and the sleep runs. */
async function spawnDetaching(gw: GatewayProcess, arg: string, hang: boolean) {
  const sse = await openSse(`${gw.url}/api/events?agent_id=claude`);
  streams.push(sse);
  const spawned = await jsonClient(() => gw.url).post("/api/agent/claude/spawn", {
    prompt: `DETACH ${arg}${hang ? " THEN_HANG" : ""}`,
    workdir: gw.home,
  });
  expect(spawned.status).toBe(200);
  const sessionId = spawned.body.session_id as string;
  const cliPid = spawned.body.pid as number;
  const cli = { pid: cliPid, startTime: stat(cliPid)?.startTime ?? "" };
  clis.push(cli);
  const toolEnd = await sse.waitFor((e) => e.type === "tool_end" && e.session_id === sessionId, 90_000);
  expect(toolEnd).toMatchObject({ tool: "Bash", is_error: false });
  return { sse, sessionId, cli, sleep: await detachedSleep(arg) };
}

/** A sleep the test starts itself (own session, like a detached tool), optionally with a given cookie. */
function startOwnSleep(arg: string, cookie?: string): void {
  const env: Record<string, string> = { PATH: process.env.PATH ?? "" };
  if (cookie) env.VIBEN_RUN_COOKIE = cookie;
  const child = spawn("sleep", [arg], { detached: true, stdio: "ignore", env });
  child.unref();
  strays.push(child);
}

/** The data-folder part of a cookie, as README documents it (16 hex of SHA-256 of the folder's real path). */
function folderTag(folder: string): string {
  return createHash("sha256").update(realpathSync(folder)).digest("hex").slice(0, 16);
}

beforeAll(async () => {
  stub = await startAnthropicStub(reply);
});

afterEach(async () => {
  for (const sse of streams.splice(0)) sse.close();
  await Promise.all(gateways.splice(0).map((gw) => gw.stop("SIGKILL").catch(() => null)));
  // Whatever a failed test left: every sleep this file started, wherever it was re-parented, and the CLIs.
  const leftovers = [...findSleeps((arg) => arg.startsWith(`300.${MARK}`)), ...clis.splice(0).filter(alive)];
  for (const p of leftovers) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  for (const child of strays.splice(0)) child.kill("SIGKILL");
});

afterAll(async () => {
  await stub?.close();
  await Promise.all(homes.map((home) => removeDir(home)));
});

describe("processes a run's tools detach (the real Claude Code CLI)", () => {
  it("are gone when stop answers", async () => {
    const gw = await startGateway(await prepareHome());
    await createAgent(gw);
    const run = await spawnDetaching(gw, nextSleep(), true);
    expect(alive(run.sleep)).toBe(true);

    const stopped = await jsonClient(() => gw.url).post("/api/agent/claude/stop", {
      session_id: run.sessionId,
    });
    expect(stopped.body).toEqual({ success: true, stopped: true });
    expect(alive(run.sleep)).toBe(false);
    expect(alive(run.cli)).toBe(false);
  }, 180_000);

  it("are gone when the run ends on its own", async () => {
    const gw = await startGateway(await prepareHome());
    await createAgent(gw);
    const run = await spawnDetaching(gw, nextSleep(), false);
    const done = await run.sse.waitFor(
      (e) => (e.type === "run_complete" || e.type === "run_error") && e.session_id === run.sessionId,
      90_000,
    );
    expect(done).toMatchObject({ type: "run_complete", response: "Detached it." });
    await until(() => !alive(run.sleep), "the detached sleep to be killed");
  }, 180_000);

  it("are gone after SIGTERM of the gateway, with what a terminal's shell detached", async () => {
    const gw = await startGateway(await prepareHome());
    await createAgent(gw);
    const run = await spawnDetaching(gw, nextSleep(), true);

    const termArg = nextSleep();
    const term = await openTerminal(wsUrl(gw.url));
    await term.init({
      cwd: gw.home,
      cols: 80,
      rows: 24,
      command: `setsid sleep ${termArg} >/dev/null 2>&1 < /dev/null & echo detached; exec cat`,
    });
    await term.waitForOutput(/detached/);
    const termSleep = await detachedSleep(termArg);

    expect(await gw.stop("SIGTERM")).toBe(0);
    await term.close();
    await until(() => !alive(run.sleep), "the run's detached sleep to be killed");
    await until(() => !alive(termSleep), "the terminal's detached sleep to be killed");
    expect(alive(run.cli)).toBe(false);
  }, 180_000);

  it("are killed by the next start after a SIGKILL of the gateway, and nothing else is", async () => {
    const home = await prepareHome();
    const first = await startGateway(home);
    await createAgent(first);
    const run = await spawnDetaching(first, nextSleep(), true);

    // Not the gateway's: no cookie; a cookie of another data folder; a cookie of this folder whose
    // gateway is alive (this test process plays a second gateway on the same folder).
    const unrelated = nextSleep();
    startOwnSleep(unrelated);
    const otherFolder = await makeTempHome("viben-procs-other-");
    homes.push(otherFolder);
    const foreign = nextSleep();
    startOwnSleep(foreign, `${folderTag(otherFolder)}.999999999-1-abcdef.run-foreign`);
    const liveOwner = nextSleep();
    const self = stat(process.pid)!.startTime;
    startOwnSleep(liveOwner, `${folderTag(join(home, ".viben"))}.${process.pid}-${self}-abcdef.run-live`);
    const bystanders = await Promise.all([unrelated, foreign, liveOwner].map((arg) => detachedSleep(arg)));

    await first.stop("SIGKILL");
    // A crash takes nothing with it: the detached tool (and the CLI, waiting on the model) still run.
    expect(alive(run.sleep)).toBe(true);

    const second = await startGateway(home);
    await until(() => !alive(run.sleep), "the next start to kill the detached sleep");
    await until(() => !alive(run.cli), "the next start to kill the orphaned CLI");
    for (const bystander of bystanders) expect(alive(bystander)).toBe(true);
    expect(second.output()).toMatch(/killed processes an earlier gateway on this data folder left running/);
    expect(second.output()).toMatch(/"name":"sleep"/);

    // And its own shutdown spares them too.
    expect(await second.stop("SIGTERM")).toBe(0);
    for (const bystander of bystanders) expect(alive(bystander)).toBe(true);
  }, 240_000);
});
