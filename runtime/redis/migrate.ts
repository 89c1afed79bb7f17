import { randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { Redis } from "ioredis";
import type { RedisConnection } from "./connection.js";
import { RedisAppendLog } from "./redis-append-log.js";
import { isInstanceLocalKey } from "./shared-storage.js";

/**
 * One-command migration of the global data between an instance's `~/.viben` and Redis (multi-instance
 * mode), in the layout the running gateway uses: documents as `<prefix>:data:<key>` strings (what
 * unstorage's redis driver reads), logs as `<prefix>:log:<key>` lists (RedisAppendLog). Instance-local
 * keys (gateway.yaml, executors, markers …; see isInstanceLocalKey) are never copied. The gateways should
 * be stopped meanwhile; a target that already holds data is refused unless `force` is given.
 */
export interface MigrationReport {
  direction: "to-redis" | "to-files";
  documents: number;
  logs: number;
  /** Keys left alone because they belong to one instance. */
  skipped: number;
}

const TEMP_SUFFIX = ".tmp";
const LOG_SUFFIX = ".jsonl";

export class MigrationRefused extends Error {}

async function* filesUnder(root: string): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile() && !entry.name.endsWith(TEMP_SUFFIX)) yield path;
  }
}

async function scanKeys(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  return keys;
}

const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");

/** Where the gateways keep the shared documents and logs, and the keys under each. */
function layout(redis: RedisConnection) {
  const dataBase = redis.key("data", "");
  const logBase = redis.key("log", "");
  return {
    client: redis.client,
    dataBase,
    logBase,
    documentKeys: () => scanKeys(redis.client, `${escapeGlob(dataBase)}*`),
    logKeys: async () =>
      (await scanKeys(redis.client, `${escapeGlob(logBase)}*`)).filter((key) => !key.endsWith("#torn")),
  };
}

export async function migrateToRedis(
  globalRoot: string,
  redis: RedisConnection,
  options: { force?: boolean } = {},
): Promise<MigrationReport> {
  const { client, dataBase, logBase, documentKeys, logKeys } = layout(redis);
  if (!options.force) {
    const existing = [...(await documentKeys()), ...(await logKeys())];
    if (existing.length > 0)
      throw new MigrationRefused(
        `Redis already holds gateway data under '${redis.key("")}' (${existing.length} keys); --force overwrites it`,
      );
  }
  const logs = new RedisAppendLog(client, (key) => `${logBase}${key}`);
  const report: MigrationReport = { direction: "to-redis", documents: 0, logs: 0, skipped: 0 };
  for await (const path of filesUnder(globalRoot)) {
    const key = relative(globalRoot, path).split(sep).join(":");
    if (isInstanceLocalKey(key)) {
      report.skipped++;
      continue;
    }
    const text = await readFile(path, "utf8");
    if (key.endsWith(LOG_SUFFIX)) {
      await logs.remove(key);
      if (text.length > 0) await logs.appendRaw(key, text);
      report.logs++;
    } else {
      await client.set(`${dataBase}${key}`, text);
      report.documents++;
    }
  }
  return report;
}

export async function migrateToFiles(
  globalRoot: string,
  redis: RedisConnection,
  options: { force?: boolean } = {},
): Promise<MigrationReport> {
  const { client, dataBase, logBase, documentKeys, logKeys } = layout(redis);
  const documents = await documentKeys();
  const logs = await logKeys();
  const report: MigrationReport = { direction: "to-files", documents: 0, logs: 0, skipped: 0 };
  const targets = [
    ...documents.map((key) => ({ key: key.slice(dataBase.length), source: key, log: false })),
    ...logs.map((key) => ({ key: key.slice(logBase.length), source: key, log: true })),
  ].filter((target) => {
    const local = isInstanceLocalKey(target.key);
    if (local) report.skipped++;
    return !local;
  });
  const pathOf = (key: string) => {
    const path = join(globalRoot, ...key.split(":"));
    if (!path.startsWith(globalRoot + sep)) throw new MigrationRefused(`key escapes the data folder: ${key}`);
    return path;
  };
  if (!options.force) {
    const present: string[] = [];
    for (const { key } of targets)
      if (
        await readFile(pathOf(key)).then(
          () => true,
          () => false,
        )
      )
        present.push(key);
    if (present.length > 0)
      throw new MigrationRefused(
        `${globalRoot} already holds ${present.length} of these files (${present.slice(0, 3).join(", ")}…); --force overwrites them`,
      );
  }
  for (const target of targets) {
    let text: string;
    if (target.log) {
      const lines = await client.lrange(target.source, 0, -1);
      const torn = (await client.get(`${target.source}#torn`)) ?? "";
      text = lines.map((line) => `${line}\n`).join("") + torn;
      report.logs++;
    } else {
      text = (await client.get(target.source)) ?? "";
      report.documents++;
    }
    await writeAtomically(pathOf(target.key), text);
  }
  return report;
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  await writeFile(temp, text, { flush: true });
  await rename(temp, path);
}
