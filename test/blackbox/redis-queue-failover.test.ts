import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { QueueJob } from "../../handlers/capabilities/queue.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  eventually,
  type GatewayProcess,
  makeTempHome,
  startGatewayProcess,
} from "../helpers/gateway-process.js";
import { type RedisServer, startRedisServer } from "../helpers/redis-server.js";

const LOGGING_CLAUDE = resolve(import.meta.dirname, "../fixtures/queue-logging-claude.sh");
const LEASE_MS = 1500;

/** Both instances may run in both data folders' workdirs (as a shared workspace volume would allow). */
async function prepareHome(home: string, redisUrl: string, roots: string[]): Promise<void> {
  await mkdir(join(home, ".viben/executors"), { recursive: true });
  await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${LOGGING_CLAUDE}\n`);
  await writeFile(
    join(home, ".viben/gateway.yaml"),
    `redis:\n  url: ${redisUrl}\n  lease_ms: ${LEASE_MS}\nqueue:\n  concurrency: 4\n  per_agent: 4\n  backoff_ms: 0\n` +
      `workdir_roots:\n${roots.map((root) => `  - ${root}\n`).join("")}`,
  );
}

/**
 * An instance killed with SIGKILL while it runs jobs: another instance notices when the jobs' leases
 * expire and settles each by its retry policy (retried there, or failed), with the attempt recorded as
 * interrupted. The killed instance is a real separate process; the survivor runs in this process.
 */
describe("a job whose instance dies (SIGKILL), on one Redis", () => {
  let redis: RedisServer;
  let doomed: GatewayProcess | undefined;
  let survivor: RunningGateway | undefined;
  const homes: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await doomed?.stop("SIGKILL");
    await survivor?.close();
    await redis?.stop();
    for (const home of homes) await rm(home, { recursive: true, force: true });
  });

  it("is retried on another instance within the lease, or failed when no attempts remain", async () => {
    const [homeB, homeA] = [await makeTempHome("viben-failover-b-"), await makeTempHome("viben-failover-a-")];
    homes.push(homeB, homeA);
    const log = join(homeA, "runs.log");
    await prepareHome(homeB, redis.url, [homeA, homeB]);
    await prepareHome(homeA, redis.url, [homeA, homeB]);
    doomed = await startGatewayProcess({
      home: homeB,
      env: { VIBEN_INSTANCE_ID: "failover-b", QUEUE_RUN_LOG: log },
    });
    const enqueue = async (prompt: string, maxAttempts: number) => {
      const res = await fetch(`${doomed!.url}/api/queue`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ agent_id: "CLAUDE_CODE", prompt, max_attempts: maxAttempts }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as QueueJob).id;
    };
    const retried = await enqueue(`hold ${join(homeA, "release-1")}`, 2);
    const failed = await enqueue(`hold ${join(homeA, "release-2")}`, 1);
    // Both run on B (the only instance yet), and their processes have started.
    await eventually(async () => {
      const starts = (await readFile(log, "utf8").catch(() => ""))
        .split("\n")
        .filter((l) => l.startsWith("start"));
      expect(starts).toHaveLength(2);
    });

    survivor = await startGateway({
      port: 0,
      env: {
        ...process.env,
        HOME: homeA,
        VIBEN_LOG_LEVEL: "silent",
        VIBEN_INSTANCE_ID: "failover-a",
        QUEUE_RUN_LOG: log,
      },
    });
    const queue = survivor.app.services.queue!;
    expect((await queue.get(retried))?.status).toBe("running");

    const killedAt = Date.now();
    await doomed.stop("SIGKILL");
    doomed = undefined;
    // B's processes go on holding; the retry on A finds its release file and completes at once.
    await writeFile(join(homeA, "release-1"), "");
    await writeFile(join(homeA, "release-2"), "");

    const [again, gone] = await Promise.all([queue.waitFor(retried), queue.waitFor(failed)]);
    expect(again.status).toBe("succeeded");
    expect(again.attempts).toBe(2);
    expect(again.attempt_log?.map((attempt) => attempt.status)).toEqual(["interrupted", "succeeded"]);
    expect(gone.status).toBe("failed");
    expect(gone.error).toMatch(/interrupted/);
    expect(gone.attempt_log?.map((attempt) => attempt.status)).toEqual(["interrupted"]);
    // Settled after the lease ran out (not before: B might only have been slow), well within a few leases.
    const settledAt = Date.parse(again.attempt_log![0]!.ended_at!);
    expect(settledAt - killedAt).toBeLessThan(LEASE_MS * 10);
    const lines = (await readFile(log, "utf8")).split("\n").filter((l) => l.startsWith("start"));
    expect(lines.filter((line) => line.endsWith("release-1"))).toHaveLength(2);
    expect(lines.filter((line) => line.endsWith("release-2"))).toHaveLength(1);
  });
});
