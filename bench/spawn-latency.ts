import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startGateway } from "../runtime/node/server.js";
import { openSse } from "../test/helpers/clients.js";
import { ROOT } from "./lib.js";

const FAKE = join(ROOT, "test/fixtures/fake-claude.mjs");

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Time from spawning the fixture CLI directly to its first text delta line. */
async function directFirstDelta(workdir: string): Promise<number> {
  const started = performance.now();
  const child = spawn(FAKE, ["-p", "bench", "--output-format", "stream-json", "--verbose"], { cwd: workdir });
  const lines = createInterface({ input: child.stdout });
  const elapsed = await new Promise<number>((resolve) => {
    lines.on("line", (line) => {
      if (line.includes("text_delta")) resolve(performance.now() - started);
    });
  });
  await new Promise((r) => child.once("close", r));
  return elapsed;
}

export interface SpawnLatency {
  runs: number;
  directMedianMs: number;
  gatewayMedianMs: number;
  overheadMedianMs: number;
  gatewayP99Ms: number;
}

/**
 * Issue 3's spawn figure: POST /api/agent/:id/spawn to the first `delta` on SSE, minus the same fixture
 * CLI spawned directly to its first delta line (target: overhead under 20 ms).
 */
export async function benchSpawnLatency(runs = 20): Promise<SpawnLatency> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-spawn-"));
  const workdir = join(home, "work");
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await mkdir(workdir);
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE}\n`);
  const gw = await startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });
  try {
    await fetch(`${gw.url}/api/agent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "bench", executor_type: "CLAUDE_CODE" }),
    });
    const sse = await openSse(`${gw.url}/api/events?type=delta,run_complete`);
    const direct: number[] = [];
    const viaGateway: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const d = await directFirstDelta(workdir);
      const started = performance.now();
      const res = await fetch(`${gw.url}/api/agent/bench/spawn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "bench", workdir }),
      });
      const { session_id } = (await res.json()) as { session_id: string };
      await sse.waitFor((e) => e.type === "delta" && e.session_id === session_id);
      const g = performance.now() - started;
      await sse.waitFor((e) => e.type === "run_complete" && e.session_id === session_id);
      // The first two rounds warm up both paths.
      if (i >= 2) {
        direct.push(d);
        viaGateway.push(g);
      }
    }
    sse.close();
    const directMedianMs = percentile(direct, 50);
    const gatewayMedianMs = percentile(viaGateway, 50);
    return {
      runs,
      directMedianMs,
      gatewayMedianMs,
      overheadMedianMs: gatewayMedianMs - directMedianMs,
      gatewayP99Ms: percentile(viaGateway, 99),
    };
  } finally {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  }
}
