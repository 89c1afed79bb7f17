import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "../test/helpers/redis-server.js";
import { freePort } from "../test/shared/wrangler-dev.js";
import { ROOT, START_FLAGS } from "./lib.js";
import { buildGateway, GATEWAY_ENTRY } from "./startup.js";

/**
 * Issue 19's queue figure: jobs/s through POST /api/queue → run → done with the trivial fixture executor,
 * on one gateway without Redis (the baseline) and on 1, 2 and 3 gateways sharing one Redis (append-only,
 * fsync every second as documented). Each gateway is its own process (`npm start`'s build), jobs are sent
 * round-robin, and the global lane allows CONCURRENCY runs at once across all of them.
 */
export interface QueueInstancesRow {
  label: string;
  instances: number;
  jobs: number;
  jobsPerSec: number;
}

const TRIVIAL = join(ROOT, "test/fixtures/queue-trivial-claude.sh");
const CONCURRENCY = 8;
const POLL_MS = 20;

interface Gateway {
  url: string;
  child: ChildProcess;
  home: string;
}

async function startGatewayProcess(env: Record<string, string>, gatewayYaml: string): Promise<Gateway> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-qi-"));
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${TRIVIAL}\n`);
  await writeFile(join(home, ".viben/gateway.yaml"), gatewayYaml);
  const port = await freePort();
  const child = spawn(process.execPath, [...START_FLAGS, GATEWAY_ENTRY, "--port", String(port)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, VIBEN_LOG_LEVEL: "warn", ...env },
    stdio: "ignore",
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    if (
      await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  return { url, child, home };
}

async function stopGateway(gateway: Gateway): Promise<void> {
  const exited = new Promise((done) => gateway.child.once("exit", done));
  gateway.child.kill("SIGTERM");
  await exited;
  await rm(gateway.home, { recursive: true, force: true });
}

async function enqueue(url: string, prompt: string): Promise<void> {
  const res = await fetch(`${url}/api/queue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent_id: "CLAUDE_CODE", prompt }),
  });
  if (res.status !== 202) throw new Error(`enqueue answered ${res.status}: ${await res.text()}`);
}

/** Waits until no job is queued or running on any of the gateways, then counts the succeeded ones. */
async function drained(urls: string[]): Promise<number> {
  for (;;) {
    const reports = await Promise.all(
      urls.map(
        async (url) =>
          (await (await fetch(`${url}/api/queue/lanes`)).json()) as {
            global: { running: number; queued: number };
          },
      ),
    );
    if (reports.every((r) => r.global.running === 0 && r.global.queued === 0)) break;
    await new Promise((done) => setTimeout(done, POLL_MS));
  }
  const res = await fetch(`${urls[0]}/api/queue?status=succeeded&limit=1000`);
  return ((await res.json()) as { jobs: unknown[] }).jobs.length;
}

async function measure(label: string, gateways: Gateway[], jobs: number): Promise<QueueInstancesRow> {
  const urls = gateways.map((gateway) => gateway.url);
  // Warm-up: executor probes and first sessions on every instance.
  await Promise.all(urls.map((url, i) => enqueue(url, `warm-up ${i}`)));
  const before = await drained(urls);
  const started = performance.now();
  for (let sent = 0; sent < jobs; sent += 25)
    await Promise.all(
      Array.from({ length: Math.min(25, jobs - sent) }, (_, i) =>
        enqueue(urls[(sent + i) % urls.length]!, `job ${sent + i}`),
      ),
    );
  const succeeded = (await drained(urls)) - before;
  const seconds = (performance.now() - started) / 1000;
  if (succeeded !== jobs) throw new Error(`${label}: ${succeeded} of ${jobs} jobs succeeded`);
  return { label, instances: gateways.length, jobs, jobsPerSec: jobs / seconds };
}

export async function benchQueueInstances(jobs = 300): Promise<QueueInstancesRow[]> {
  buildGateway();
  const lanes = `queue:\n  concurrency: ${CONCURRENCY}\n  per_agent: ${CONCURRENCY}\n  per_workspace: ${CONCURRENCY}\n`;
  const rows: QueueInstancesRow[] = [];
  const single = await startGatewayProcess({}, lanes);
  try {
    rows.push(await measure("one gateway, no Redis (baseline)", [single], jobs));
  } finally {
    await stopGateway(single);
  }
  for (const count of [1, 2, 3]) {
    const redis = await startRedisServer({ appendfsync: "everysec" });
    const gateways: Gateway[] = [];
    try {
      for (let i = 0; i < count; i++)
        gateways.push(
          await startGatewayProcess({ VIBEN_REDIS_URL: redis.url, VIBEN_INSTANCE_ID: `bench-${i}` }, lanes),
        );
      rows.push(await measure(`${count} on one Redis`, gateways, jobs));
    } finally {
      for (const gateway of gateways) await stopGateway(gateway);
      await redis.stop();
    }
  }
  return rows;
}

export function printQueueInstances(rows: QueueInstancesRow[]): void {
  console.log(`| gateways | jobs | jobs/s | vs baseline |\n|---|---|---|---|`);
  const base = rows[0]?.jobsPerSec ?? 0;
  for (const row of rows)
    console.log(
      `| ${row.label} | ${row.jobs} | ${row.jobsPerSec.toFixed(1)} | ${base ? (row.jobsPerSec / base).toFixed(2) : "–"}x |`,
    );
}
