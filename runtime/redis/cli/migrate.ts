import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { compileRedisSettings, redactRedisUrl } from "../../../storage/redis-settings.js";
import { connectRedis } from "../connection.js";
import { MigrationRefused, migrateToFiles, migrateToRedis } from "../migrate.js";

const USAGE = `npm run redis:migrate -- --to redis|files [--redis <url>] [--force]

Copies the global data between this machine's ~/.viben (or VIBEN_HOME) and Redis (multi-instance mode):
  --to redis   ~/.viben → Redis, before switching the instances to multi-instance mode
  --to files   Redis → ~/.viben, to go back to one instance
  --redis      the Redis URL (default: VIBEN_REDIS_URL, then gateway.yaml's redis:)
  --force      overwrite data already at the target
Each instance's own files (gateway.yaml, executors, markers, cron jobs, audit days) stay where they are.
Stop the gateways first.`;

/** \`npm run redis:migrate\`: see USAGE and README "Several instances on one Redis". */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      to: { type: "string" },
      redis: { type: "string" },
      force: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.to !== "redis" && values.to !== "files") {
    process.stderr.write(`--to must be 'redis' or 'files'\n\n${USAGE}\n`);
    return 2;
  }
  const globalRoot = resolve(process.env.VIBEN_HOME || join(process.env.HOME || homedir(), ".viben"));
  const gatewayYaml = await readFile(join(globalRoot, "gateway.yaml"), "utf8").catch(() => "");
  const section = (parse(gatewayYaml) as { redis?: unknown } | null)?.redis;
  const settings = compileRedisSettings(section as Parameters<typeof compileRedisSettings>[0], {
    ...process.env,
    ...(values.redis ? { VIBEN_REDIS_URL: values.redis } : {}),
  });
  if (!settings) {
    process.stderr.write("no Redis given: --redis, VIBEN_REDIS_URL or gateway.yaml's redis:\n");
    return 2;
  }
  const redis = await connectRedis(settings);
  try {
    const migrate = values.to === "redis" ? migrateToRedis : migrateToFiles;
    const report = await migrate(globalRoot, redis, { force: values.force });
    process.stdout.write(
      `${values.to === "redis" ? `${globalRoot} → ${redactRedisUrl(settings.url)}` : `${redactRedisUrl(settings.url)} → ${globalRoot}`}: ` +
        `${report.documents} documents, ${report.logs} logs copied; ${report.skipped} instance-local keys left alone\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof MigrationRefused)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  } finally {
    await redis.close();
  }
}

process.exitCode = await main();
