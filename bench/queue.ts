import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway } from "../runtime/node/server.js";
import { spawnHelperFor } from "../runtime/runs/spawn-helper.js";
import { ROOT } from "./lib.js";

/** Two stream-json lines from /bin/sh: the executor costs as little as a process can. */
const TRIVIAL = join(ROOT, "test/fixtures/queue-trivial-claude.sh");

export interface QueueThroughput {
  concurrency: number;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  /** Median time from enqueue to the job's end. */
  medianLatencyMs: number;
}

export interface QueueBench {
  /**
   * The fixture spawned directly, one after another: what one lane could do with no gateway at all. The
   * mean of a measure just before and one just after the one-lane run (each listed), so a machine that
   * speeds up or slows down meanwhile moves both sides of the ratio alike.
   */
  directRunsPerSec: number;
  directMeasures: number[];
  rows: QueueThroughput[];
  /** What spawned the executors (VIBEN_SPAWN_HELPER). */
  spawner: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The fixture spawned `runs` times in a row from a fresh Node process (bench/direct-spawn.mjs). */
function directRunsPerSec(runs: number): number {
  const out = execFileSync(process.execPath, [join(ROOT, "bench/direct-spawn.mjs"), TRIVIAL, String(runs)]);
  return Number(out.toString().trim());
}

/** Enqueues `jobs` runs over HTTP at once and waits until the queue has finished every one. */
export async function throughput(concurrency: number, jobs: number): Promise<QueueThroughput> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-queue-"));
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${TRIVIAL}\n`);
  await writeFile(
    join(home, ".viben/gateway.yaml"),
    `queue:\n  concurrency: ${concurrency}\n  per_agent: ${concurrency}\n  per_workspace: ${concurrency}\n`,
  );
  const gw = await startGateway({ port: 0, env: { ...process.env, HOME: home, VIBEN_LOG_LEVEL: "silent" } });
  try {
    const queue = gw.app.services.queue!;
    const enqueue = async (prompt: string) => {
      const res = await fetch(`${gw.url}/api/queue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent_id: "CLAUDE_CODE", prompt }),
      });
      if (res.status !== 202) throw new Error(`enqueue answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { id: string }).id;
    };
    // Warm-up: executor probe, first session, JIT.
    await queue.waitFor(await enqueue("warm-up"));
    const started = performance.now();
    const latencies: number[] = [];
    const finished: Promise<void>[] = [];
    for (let i = 0; i < jobs; i++) {
      const queuedAt = performance.now();
      const id = await enqueue(`job ${i}`);
      finished.push(
        queue.waitFor(id).then((job) => {
          if (job.status !== "succeeded") throw new Error(`job ${id} ended ${job.status}: ${job.error}`);
          latencies.push(performance.now() - queuedAt);
        }),
      );
    }
    await Promise.all(finished);
    const seconds = (performance.now() - started) / 1000;
    return { concurrency, jobs, seconds, jobsPerSec: jobs / seconds, medianLatencyMs: median(latencies) };
  } finally {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * Issue 5's queue figure: jobs/s through POST /api/queue → run (a trivial fixture executor) → done, at
 * concurrency 1 and 8, beside the fixture spawned directly in a loop.
 */
export async function benchQueue(jobs = 200): Promise<QueueBench> {
  const before = directRunsPerSec(jobs);
  const rows: QueueThroughput[] = [await throughput(1, jobs)];
  const after = directRunsPerSec(jobs);
  rows.push(await throughput(8, jobs));
  const helper = spawnHelperFor(process.env.VIBEN_SPAWN_HELPER);
  const spawner = helper ? `the ${await helper.program()} spawn helper` : "the gateway itself";
  return { directRunsPerSec: (before + after) / 2, directMeasures: [before, after], rows, spawner };
}

/** Issue 12's target: one lane runs jobs at ≥ half the rate of spawning the executor directly. */
export const QUEUE_RATIO_TARGET = 0.5;

export function printQueueBench(bench: QueueBench): void {
  console.log("| path | concurrency | jobs | jobs/s | median enqueue → done ms |\n|---|---|---|---|---|");
  const measures = bench.directMeasures.map((rate) => rate.toFixed(1)).join(" and ");
  console.log(
    `| fixture spawned directly, in a loop (mean of ${measures}) | 1 | – | ${bench.directRunsPerSec.toFixed(1)} | – |`,
  );
  for (const row of bench.rows) {
    console.log(
      `| POST /api/queue → run → done | ${row.concurrency} | ${row.jobs} | ${row.jobsPerSec.toFixed(1)} | ${row.medianLatencyMs.toFixed(1)} |`,
    );
  }
  console.log(`executors spawned by ${bench.spawner} (VIBEN_SPAWN_HELPER)`);
  const lane = bench.rows.find((row) => row.concurrency === 1);
  if (lane) {
    const ratio = lane.jobsPerSec / bench.directRunsPerSec;
    // Per job, what the queue adds to the executor's own time (enqueue request, bookkeeping, spawn).
    const addedMs = 1000 / lane.jobsPerSec - 1000 / bench.directRunsPerSec;
    console.log(
      `one lane vs direct spawning: ${ratio.toFixed(2)}x (target >= ${QUEUE_RATIO_TARGET}x) ${ratio >= QUEUE_RATIO_TARGET ? "OK" : "BELOW TARGET"}; the queue adds ${addedMs.toFixed(1)} ms per job`,
    );
  }
}

// `npx tsx bench/queue.ts [jobs]` runs it alone (it is not part of `npm run bench` yet).
if (import.meta.url === `file://${process.argv[1]}`) {
  printQueueBench(await benchQueue(Number(process.argv[2] ?? 200)));
}
