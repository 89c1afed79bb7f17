import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type RedisServer, startRedisServer } from "./redis-server.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");

export interface RedisGateways {
  redis: RedisServer;
  gateways: RunningGateway[];
  /** Each gateway's HOME (with a `project` folder to run in, and `fake-claude.log`). */
  homes: string[];
  close(): Promise<void>;
}

/**
 * Several gateways in this process, each on its own temporary HOME (the fake Claude CLI as CLAUDE_CODE,
 * or `executor`; `gatewayYaml` as gateway.yaml), all on one real redis-server: multi-instance mode as deployed, minus the
 * shared data folder. `name` prefixes the instance ids.
 */
export async function startRedisGateways(
  name: string,
  count: number,
  options: { gatewayYaml?: string; env?: Record<string, string>; executor?: string } = {},
): Promise<RedisGateways> {
  const redis = await startRedisServer();
  const gateways: RunningGateway[] = [];
  const homes: string[] = [];
  const close = async () => {
    await Promise.all(gateways.map((gw) => gw.close()));
    await redis.stop();
    await Promise.all(homes.map((home) => rm(home, { recursive: true, force: true })));
  };
  try {
    for (let i = 0; i < count; i++) homes.push(await mkdtemp(join(tmpdir(), `viben-redis-${name}-${i}-`)));
    // Sessions are shared: every instance may run in every instance's folders (a shared volume, deployed).
    const roots = `workdir_roots:\n${homes.map((home) => `  - ${home}\n`).join("")}`;
    for (const [i, home] of homes.entries()) {
      await mkdir(join(home, ".viben/executors"), { recursive: true });
      await mkdir(join(home, "project"));
      await writeFile(
        join(home, ".viben/executors/CLAUDE_CODE.yaml"),
        `command: ${options.executor ?? FAKE_CLAUDE}\n`,
      );
      await writeFile(join(home, ".viben/gateway.yaml"), `${options.gatewayYaml ?? ""}\n${roots}`);
      gateways.push(
        await startGateway({
          port: 0,
          env: {
            ...process.env,
            HOME: home,
            FAKE_CLAUDE_LOG: join(home, "fake-claude.log"),
            VIBEN_LOG_LEVEL: "silent",
            VIBEN_REDIS_URL: redis.url,
            VIBEN_INSTANCE_ID: `${name}-${i}`,
            ...options.env,
          },
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { redis, gateways, homes, close };
}
