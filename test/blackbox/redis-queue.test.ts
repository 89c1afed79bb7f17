import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueJob } from "../../handlers/capabilities/queue.js";
import type { RunningGateway } from "../../runtime/node/server.js";
import { eventually } from "../helpers/gateway-process.js";
import { type RedisGateways, startRedisGateways } from "../helpers/redis-gateways.js";

const LOGGING_CLAUDE = resolve(import.meta.dirname, "../fixtures/queue-logging-claude.sh");

const lanes = (concurrency: number, perAgent: number) =>
  `queue:\n  concurrency: ${concurrency}\n  per_agent: ${perAgent}\n  per_workspace: ${concurrency}\n`;

async function enqueue(gw: RunningGateway, body: Record<string, unknown>): Promise<QueueJob> {
  const res = await fetch(`${gw.url}/api/queue`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent_id: "CLAUDE_CODE", ...body }),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as QueueJob;
}

async function getJob(gw: RunningGateway, id: string): Promise<QueueJob> {
  const res = await fetch(`${gw.url}/api/queue/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as QueueJob;
}

/** The run log's lines as [event, prompt]. */
async function runLog(path: string): Promise<[string, string][]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), line.slice(space + 1)];
    });
}

describe("the queue shared by three instances on one Redis", () => {
  let setup: RedisGateways;
  let gateways: RunningGateway[];
  let logPath: string;
  let redis: Redis;

  beforeAll(async () => {
    logPath = join(process.env.TMPDIR ?? "/tmp", `viben-queue-runs-${process.pid}-${Date.now()}.log`);
    setup = await startRedisGateways("queue", 3, {
      executor: LOGGING_CLAUDE,
      gatewayYaml: lanes(6, 6),
      env: { QUEUE_RUN_LOG: logPath },
    });
    gateways = setup.gateways;
    redis = new Redis(setup.redis.url, { lazyConnect: true });
  });

  afterAll(async () => {
    redis?.disconnect();
    await setup?.close();
  });

  it("runs 500 jobs enqueued across the instances exactly once each, on every instance", async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const jobs = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          enqueue(gateways[(batch * 50 + i) % 3]!, { prompt: `job-${batch * 50 + i}` }),
        ),
      );
      ids.push(...jobs.map((job) => job.id));
    }
    // Any instance answers for any job: wait on each through a different one than it was enqueued on.
    const finished = await Promise.all(
      ids.map((id, i) => gateways[(i + 1) % 3]!.app.services.queue!.waitFor(id)),
    );
    expect(finished.filter((job) => job.status !== "succeeded")).toEqual([]);
    expect(finished.every((job) => job.attempts === 1 && job.attempt_log?.length === 1)).toBe(true);

    const starts = (await runLog(logPath)).filter(([event]) => event === "start").map(([, p]) => p);
    expect(starts).toHaveLength(500);
    expect(new Set(starts).size).toBe(500);

    // Each run was recorded by the instance that ran it: all three took part.
    await redis.connect();
    const owners = await Promise.all(finished.map((job) => redis.get(`viben:runs:owner:${job.run_id}`)));
    expect(new Set(owners)).toEqual(new Set(["queue-0", "queue-1", "queue-2"]));
    const counts = await Promise.all(
      gateways.map(
        async (gw) =>
          (
            (await (await fetch(`${gw.url}/api/queue?status=succeeded&limit=1000`)).json()) as {
              jobs: QueueJob[];
            }
          ).jobs,
      ),
    );
    for (const list of counts) expect(list).toHaveLength(500);
  });

  it("cancels, through one instance, a job running on another", async () => {
    const job = await enqueue(gateways[0]!, { prompt: "slow cancel me" });
    const running = await eventually(async () => {
      const seen = await getJob(gateways[1]!, job.id);
      expect(seen.status).toBe("running");
      expect(seen.run_id).toBeDefined();
      return seen;
    });
    const owner = await redis.get(`viben:runs:owner:${running.run_id}`);
    const other = gateways.find((_, i) => `queue-${i}` !== owner)!;
    const res = await fetch(`${other.url}/api/queue/${job.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(((await res.json()) as QueueJob).status).toBe("cancelled");
    const log = await runLog(logPath);
    expect(log.filter(([, prompt]) => prompt === "slow cancel me").map(([event]) => event)).toEqual([
      "start",
    ]);
  });
});

describe("the shared queue through a Redis restart", () => {
  let setup: RedisGateways;
  let logPath: string;

  beforeAll(async () => {
    logPath = join(process.env.TMPDIR ?? "/tmp", `viben-queue-restart-${process.pid}-${Date.now()}.log`);
    setup = await startRedisGateways("restart", 2, {
      executor: LOGGING_CLAUDE,
      gatewayYaml: lanes(4, 4),
      env: { QUEUE_RUN_LOG: logPath },
    });
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("reconnects every instance and loses no acknowledged job, running or queued", async () => {
    const { gateways, homes, redis } = setup;
    const release = join(homes[0]!, "release");
    const held = await Promise.all(
      Array.from({ length: 10 }, (_, i) => enqueue(gateways[i % 2]!, { prompt: `hold ${release} ${i}` })),
    );
    await eventually(async () => {
      expect((await runLog(logPath)).filter(([event]) => event === "start")).toHaveLength(4);
    });
    await redis.restart();
    // Acknowledged before the restart: still there, on both instances.
    for (const gw of gateways) expect((await getJob(gw, held[9]!.id)).status).toBe("queued");
    const after = await enqueue(gateways[1]!, { prompt: "after the restart" });
    await writeFile(release, "");
    const done = await Promise.all(
      [...held, after].map((job) => gateways[0]!.app.services.queue!.waitFor(job.id)),
    );
    expect(done.map((job) => `${job.status}/${job.attempts}`)).toEqual(Array(11).fill("succeeded/1"));
    const starts = (await runLog(logPath)).filter(([event]) => event === "start").map(([, p]) => p);
    expect(starts).toHaveLength(11);
    expect(new Set(starts).size).toBe(11);
  });
});

describe("lane limits across instances", () => {
  let setup: RedisGateways;
  let logPath: string;

  beforeAll(async () => {
    logPath = join(process.env.TMPDIR ?? "/tmp", `viben-queue-lanes-${process.pid}-${Date.now()}.log`);
    setup = await startRedisGateways("lanes", 3, {
      executor: LOGGING_CLAUDE,
      gatewayYaml: lanes(8, 2),
      env: { QUEUE_RUN_LOG: logPath },
    });
  });

  afterAll(async () => {
    await setup?.close();
  });

  it("never runs more of one agent's jobs at once than its lane allows, counting every instance", async () => {
    const { gateways, homes } = setup;
    const release = join(homes[0]!, "release");
    const jobs = await Promise.all(
      Array.from({ length: 12 }, (_, i) => enqueue(gateways[i % 3]!, { prompt: `hold ${release}` })),
    );
    // Two hold their lane; the rest wait whichever instance they were enqueued on.
    await eventually(async () => {
      const starts = (await runLog(logPath)).filter(([event]) => event === "start");
      expect(starts).toHaveLength(2);
    });
    const lanesSeen = (await (await fetch(`${gateways[2]!.url}/api/queue/lanes`)).json()) as {
      global: { running: number; queued: number };
    };
    expect(lanesSeen.global).toMatchObject({ running: 2, queued: 10 });
    await writeFile(release, "");
    const done = await Promise.all(jobs.map((job) => gateways[0]!.app.services.queue!.waitFor(job.id)));
    expect(done.every((job) => job.status === "succeeded")).toBe(true);
    let live = 0;
    let most = 0;
    for (const [event] of await runLog(logPath)) {
      live += event === "start" ? 1 : -1;
      most = Math.max(most, live);
    }
    expect(most).toBe(2);
  });
});
