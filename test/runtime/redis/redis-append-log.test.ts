import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisAppendLog } from "../../../runtime/redis/redis-append-log.js";
import { readAll } from "../../../storage/append-log.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";
import { appendLogContract } from "../../storage/append-log.contract.js";

let server: RedisServer;
const clients: Redis[] = [];
let prefix = 0;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await server?.stop();
});

function open(name: string): RedisAppendLog {
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  clients.push(client);
  return new RedisAppendLog(client, (key) => `t${name}:log:${key}`);
}

appendLogContract("redis", async () => {
  const log = open(String(++prefix));
  return { log, appendRaw: (key, text) => log.appendRaw(key, text), dispose: async () => {} };
});

describe("RedisAppendLog across connections (real redis-server)", () => {
  it("keeps every batch of concurrent writers whole and in each writer's order", async () => {
    const name = `concurrent${++prefix}`;
    const writers = [open(name), open(name), open(name)];
    await Promise.all(
      writers.map(async (log, w) => {
        for (let i = 0; i < 50; i++)
          await log.append("shared.jsonl", [
            { w, i, part: 0 },
            { w, i, part: 1 },
          ]);
      }),
    );
    const records: Record<string, unknown>[] = [];
    for await (const page of readAll(open(name), "shared.jsonl")) records.push(...page);
    expect(records).toHaveLength(300);
    for (let at = 0; at < records.length; at += 2) {
      expect(records[at]).toMatchObject({ part: 0 });
      expect(records[at + 1]).toMatchObject({ w: records[at]!.w, i: records[at]!.i, part: 1 });
    }
    for (let w = 0; w < 3; w++) {
      const order = records.filter((r) => r.w === w && r.part === 0).map((r) => r.i);
      expect(order).toEqual([...order].sort((a, b) => (a as number) - (b as number)));
    }
  });

  it("keeps a batch larger than one RPUSH whole while other writers append", async () => {
    const name = `large${++prefix}`;
    const size = 9000;
    const writers = [open(name), open(name), open(name)];
    await Promise.all(
      writers.map((log, w) =>
        log.append(
          "large.jsonl",
          Array.from({ length: size }, (_, i) => ({ w, i })),
        ),
      ),
    );
    const records: Record<string, unknown>[] = [];
    for await (const page of readAll(open(name), "large.jsonl")) records.push(...page);
    expect(records).toHaveLength(3 * size);
    for (let b = 0; b < 3; b++) {
      const batch = records.slice(b * size, (b + 1) * size);
      expect(batch.map((r) => r.w)).toEqual(Array(size).fill(batch[0]!.w));
      expect(batch.map((r) => r.i)).toEqual(Array.from({ length: size }, (_, i) => i));
    }
  });

  it("keeps what was acknowledged through a Redis restart", async () => {
    const log = open(`restart${++prefix}`);
    await log.append("kept.jsonl", [{ n: 1 }, { n: 2 }]);
    await server.restart();
    await log.append("kept.jsonl", [{ n: 3 }]);
    expect((await log.readFrom("kept.jsonl", { limit: 10 })).records).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
