import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { spawn } from "@lydell/node-pty";
import WebSocket from "ws";
import { startGateway } from "../runtime/node/server.js";

/** Raw mode without echo, so the only echo is `cat` copying its input back (a process round trip). */
const ECHO_COMMAND = "stty raw -echo && echo ready && exec cat";
const SHELL = "/bin/bash";

export interface TerminalEchoFigures {
  roundTrips: number;
  direct: { p50Ms: number; p99Ms: number };
  gateway: { p50Ms: number; p99Ms: number };
  /** Gateway p50 minus direct p50. */
  overheadP50Ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** A line to write and a way to be told when text containing a token has come back. */
interface EchoPath {
  write(data: string): void;
  /** Resolves once the output since the last call contains `token`. */
  waitFor(token: string): Promise<void>;
  close(): Promise<void>;
}

function outputWaiter() {
  let seen = "";
  let pending: { token: string; resolve: () => void } | undefined;
  return {
    push(data: string) {
      seen += data;
      if (pending && seen.includes(pending.token)) {
        const { resolve } = pending;
        pending = undefined;
        seen = "";
        resolve();
      }
    },
    waitFor(token: string) {
      return new Promise<void>((resolve) => {
        if (seen.includes(token)) {
          seen = "";
          resolve();
        } else pending = { token, resolve };
      });
    },
  };
}

async function directPath(cwd: string): Promise<EchoPath> {
  const waiter = outputWaiter();
  const pty = spawn(SHELL, ["-c", ECHO_COMMAND], { name: "xterm-256color", cols: 80, rows: 24, cwd });
  pty.onData((data) => waiter.push(data));
  await waiter.waitFor("ready");
  return {
    write: (data) => pty.write(data),
    waitFor: (token) => waiter.waitFor(token),
    close: async () => {
      const exited = new Promise((resolve) => pty.onExit(resolve));
      pty.kill("SIGHUP");
      await exited;
    },
  };
}

async function gatewayPath(url: string, cwd: string): Promise<EchoPath> {
  const waiter = outputWaiter();
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  socket.on("message", (raw) => {
    const frame = JSON.parse(String(raw)) as { type: string; data?: string };
    if (frame.type === "output" && frame.data) waiter.push(frame.data);
  });
  socket.send(JSON.stringify({ type: "init", cwd, cols: 80, rows: 24, command: ECHO_COMMAND }));
  await waiter.waitFor("ready");
  return {
    write: (data) => socket.send(JSON.stringify({ type: "input", data })),
    waitFor: (token) => waiter.waitFor(token),
    close: async () => {
      const closed = new Promise((resolve) => socket.once("close", resolve));
      socket.close();
      await closed;
    },
  };
}

/** Sequential round trips: each token is written once the previous one came back. */
async function measure(path: EchoPath, roundTrips: number, warmup: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < warmup + roundTrips; i++) {
    const token = `<${i}>`;
    const started = performance.now();
    path.write(token);
    await path.waitFor(token);
    if (i >= warmup) samples.push(performance.now() - started);
  }
  return samples;
}

/**
 * Issue 6's terminal figure: input → its echo in the output, through `/terminal/ws` (gateway in this
 * process, a `ws` client) beside the same shell and `cat` on a node-pty spawned directly here.
 */
export async function benchTerminal(roundTrips = 500): Promise<TerminalEchoFigures> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-terminal-"));
  const gw = await startGateway({
    port: 0,
    env: { PATH: process.env.PATH, HOME: home, SHELL, VIBEN_LOG_LEVEL: "silent" },
  });
  try {
    const direct = await directPath(home);
    const directSamples = await measure(direct, roundTrips, 50);
    await direct.close();
    const viaGateway = await gatewayPath(`${gw.url.replace(/^http/, "ws")}/terminal/ws`, home);
    const gatewaySamples = await measure(viaGateway, roundTrips, 50);
    await viaGateway.close();
    const directP50 = percentile(directSamples, 50);
    const gatewayP50 = percentile(gatewaySamples, 50);
    return {
      roundTrips,
      direct: { p50Ms: directP50, p99Ms: percentile(directSamples, 99) },
      gateway: { p50Ms: gatewayP50, p99Ms: percentile(gatewaySamples, 99) },
      overheadP50Ms: gatewayP50 - directP50,
    };
  } finally {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  }
}

export function printTerminal(figures: TerminalEchoFigures): void {
  console.log(`\nTerminal echo round trip (${figures.roundTrips} sequential, \`cat\` in raw mode)\n`);
  console.log("| path | p50 ms | p99 ms |\n|---|---|---|");
  console.log(
    `| node-pty direct | ${figures.direct.p50Ms.toFixed(3)} | ${figures.direct.p99Ms.toFixed(3)} |`,
  );
  console.log(`| /terminal/ws | ${figures.gateway.p50Ms.toFixed(3)} | ${figures.gateway.p99Ms.toFixed(3)} |`);
  console.log(`gateway overhead (p50): ${figures.overheadP50Ms.toFixed(3)} ms`);
}

// `npx tsx bench/terminal.ts [round trips]` runs this figure alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printTerminal(await benchTerminal(Number(process.argv[2] ?? 500)));
}
