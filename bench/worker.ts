import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startWranglerDev } from "../test/shared/wrangler-dev.js";
import { ROOT, START_FLAGS } from "./lib.js";
import { buildGateway, GATEWAY_ENTRY } from "./startup.js";

const RUNS = 3;
const POLL_MS = 10;

export interface ColdStart {
  label: string;
  /** Spawn to the first 200 from /health, each run, ms. */
  runs: number[];
  medianMs: number;
}

export interface WorkerColdStartBench {
  node: ColdStart;
  workerd: ColdStart;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `npm start`'s entry (node dist/node.js) on a fresh HOME: spawn to the first /health answer. */
async function nodeColdStart(): Promise<number> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-cold-"));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [...START_FLAGS, GATEWAY_ENTRY, "--port", String(port)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, VIBEN_LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      await sleep(POLL_MS);
    }
  } finally {
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    await exited;
    await rm(home, { recursive: true, force: true });
  }
}

/** `wrangler dev --local` (bundling, workerd start, KV simulation) on a fresh persist dir. */
async function workerdColdStart(): Promise<number> {
  const state = await mkdtemp(join(tmpdir(), "viben-bench-kv-"));
  const dev = await startWranglerDev({ persistTo: state, pollMs: POLL_MS });
  try {
    return dev.readyMs;
  } finally {
    await dev.stop();
    await rm(state, { recursive: true, force: true });
  }
}

async function measure(label: string, once: () => Promise<number>): Promise<ColdStart> {
  const runs: number[] = [];
  // One after another: parallel starts would compete for the same cores.
  for (let i = 0; i < RUNS; i++) runs.push(Math.round(await once()));
  return { label, runs, medianMs: median(runs) };
}

/** Cold start to the first /health answer, median of 3: `wrangler dev` beside the Node gateway, same run. */
export async function benchWorkerColdStart(): Promise<WorkerColdStartBench> {
  buildGateway();
  const node = await measure("Node gateway (npm start: node dist/node.js)", nodeColdStart);
  const workerd = await measure("wrangler dev --local (workerd)", workerdColdStart);
  return { node, workerd };
}

export function printWorkerColdStart(bench: WorkerColdStartBench): void {
  console.log("| runtime | runs (ms) | median ms |");
  console.log("|---|---|---|");
  for (const row of [bench.node, bench.workerd]) {
    console.log(`| ${row.label} | ${row.runs.join(", ")} | ${row.medianMs} |`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) printWorkerColdStart(await benchWorkerColdStart());
