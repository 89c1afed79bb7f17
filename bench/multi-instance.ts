import type { GatewayEvent } from "../handlers/capabilities/events.js";
import { createEventBus } from "../runtime/event-bus.js";
import { connectRedis, type RedisConnection } from "../runtime/redis/connection.js";
import { createRedisEventBus, type RedisEventBus } from "../runtime/redis/event-bus.js";
import { compileRedisSettings } from "../storage/redis-settings.js";
import { startRedisServer } from "../test/helpers/redis-server.js";

/**
 * Issue 19's event figure: events published on one gateway instance and received by a subscriber of
 * another through Redis (a real redis-server, append-only with fsync every second as documented for
 * deployments), beside the in-process bus in the same run.
 */
export interface EventPathRow {
  scenario: string;
  events: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const silent = { info() {}, warn() {}, error() {} };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Publishes `events` deltas in bursts of 10 (a model streams in bursts) and times each to its delivery. */
async function measure(
  scenario: string,
  events: number,
  publish: (n: number) => void,
  next: () => Promise<GatewayEvent | null>,
): Promise<EventPathRow> {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const received = (async () => {
    for (let i = 0; i < events; i++) {
      const event = await next();
      if (!event) throw new Error(`${scenario}: subscription ended after ${i} events`);
      latencies.push(performance.now() - sentAt[event.n as number]!);
    }
  })();
  const started = performance.now();
  for (let n = 0; n < events; n++) {
    sentAt[n] = performance.now();
    publish(n);
    if (n % 10 === 9) await new Promise((resume) => setImmediate(resume));
  }
  await received;
  const seconds = (performance.now() - started) / 1000;
  return {
    scenario,
    events,
    eventsPerSec: events / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

export async function benchEventPaths(events = 10_000): Promise<EventPathRow[]> {
  const rows: EventPathRow[] = [];
  const local = createEventBus({ bufferSize: 10_000 });
  const localSub = local.subscribe({}, { maxQueue: events + 1 });
  rows.push(
    await measure(
      "in-process bus (one gateway, baseline)",
      events,
      (n) => local.publish({ type: "delta", content: "The quick brown fox ", n }),
      () => localSub.next(),
    ),
  );
  local.close();

  const server = await startRedisServer({ appendfsync: "everysec" });
  const connections: RedisConnection[] = [];
  const buses: RedisEventBus[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const settings = compileRedisSettings({ url: server.url, prefix: "bench" }, {});
      if (!settings) throw new Error("redis settings expected");
      const redis = await connectRedis(settings);
      connections.push(redis);
      buses.push(await createRedisEventBus({ redis, logger: silent, bufferSize: 10_000 }));
    }
    const [a, b] = buses as [RedisEventBus, RedisEventBus];
    const sameSub = a.subscribe({}, { maxQueue: events + 1 });
    rows.push(
      await measure(
        "through Redis, published and received on one instance",
        events,
        (n) => a.publish({ type: "delta", content: "The quick brown fox ", n }),
        () => sameSub.next(),
      ),
    );
    sameSub.close();
    const otherSub = b.subscribe({}, { maxQueue: events + 1 });
    rows.push(
      await measure(
        "through Redis, published on A, received on B",
        events,
        (n) => a.publish({ type: "delta", content: "The quick brown fox ", n }),
        () => otherSub.next(),
      ),
    );
    otherSub.close();
  } finally {
    for (const bus of buses) await bus.stop();
    for (const redis of connections) await redis.close();
    await server.stop();
  }
  return rows;
}

export function printEventPaths(rows: EventPathRow[]): void {
  console.log("| path | events | events/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.events} | ${r.eventsPerSec.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} |`,
    );
  }
  const [base, , across] = rows;
  if (base && across)
    console.log(
      `across instances vs in-process: ${(across.eventsPerSec / base.eventsPerSec).toFixed(2)}x the rate, +${(across.p50Ms - base.p50Ms).toFixed(2)} ms at p50`,
    );
}
