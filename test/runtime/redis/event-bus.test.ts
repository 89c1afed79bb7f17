import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventSubscription, GatewayEvent } from "../../../handlers/capabilities/events.js";
import type { Logger } from "../../../handlers/capabilities/logger.js";
import { REPLAY_TRUNCATED } from "../../../runtime/event-bus.js";
import { connectRedis, type RedisConnection } from "../../../runtime/redis/connection.js";
import { createRedisEventBus, type RedisEventBus } from "../../../runtime/redis/event-bus.js";
import { compileRedisSettings } from "../../../storage/redis-settings.js";
import { type RedisServer, startRedisServer } from "../../helpers/redis-server.js";

const silent: Logger = { info() {}, warn() {}, error() {} };

async function take(subscription: EventSubscription, count: number): Promise<GatewayEvent[]> {
  const events: GatewayEvent[] = [];
  while (events.length < count) {
    const event = await subscription.next();
    if (!event) throw new Error(`subscription closed after ${events.length}: ${subscription.closeReason}`);
    events.push(event);
  }
  return events;
}

describe("event bus over a Redis stream (real redis-server)", () => {
  let server: RedisServer;
  const connections: RedisConnection[] = [];
  const buses: RedisEventBus[] = [];
  let prefix = 0;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const bus of buses) await bus.stop();
    for (const connection of connections) await connection.close();
    await server?.stop();
  });

  /** `count` instances on one prefix (each with its own connection, as separate gateways have). */
  async function instances(count: number, bufferSize?: number, name = `t${++prefix}`) {
    const made: RedisEventBus[] = [];
    for (let i = 0; i < count; i++) {
      const settings = compileRedisSettings({ url: server.url, prefix: name }, {});
      if (!settings) throw new Error("settings expected");
      const redis = await connectRedis(settings);
      connections.push(redis);
      const bus = await createRedisEventBus({ redis, logger: silent, bufferSize, blockMs: 200 });
      buses.push(bus);
      made.push(bus);
    }
    return { buses: made, name };
  }

  it("delivers what any instance publishes to every instance, in one gap-free order", async () => {
    const {
      buses: [a, b],
    } = await instances(2);
    const onA = a!.subscribe({});
    const onB = b!.subscribe({ session_id: "s1" });
    for (let i = 0; i < 20; i++) {
      (i % 2 === 0 ? a! : b!).publish({
        type: "delta",
        session_id: i % 4 < 2 ? "s1" : "s2",
        content: `${i}`,
        seq: 999,
      });
    }
    const seenOnA = await take(onA, 20);
    expect(seenOnA.map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // Each instance's own publishes keep their order (one connection sends them in order).
    expect(seenOnA.filter((e) => Number(e.content) % 2 === 0).map((e) => e.content)).toEqual(
      Array.from({ length: 10 }, (_, i) => `${i * 2}`),
    );
    expect(seenOnA[0]).toMatchObject({ type: "delta", ts: expect.any(String) });
    expect(Object.isFrozen(seenOnA[0])).toBe(true);
    const seenOnB = await take(onB, 10);
    expect(seenOnB.map((e) => e.seq)).toEqual(seenOnA.filter((e) => e.session_id === "s1").map((e) => e.seq));
    expect(b!.lastSeq).toBe(20);
  });

  it("replays from a Last-Event-ID on an instance that started later, and says when it cannot go back far enough", async () => {
    const {
      buses: [a],
      name,
    } = await instances(1, 5);
    const sub = a!.subscribe({});
    for (let i = 1; i <= 12; i++) a!.publish({ type: "tick", n: i });
    await take(sub, 12);
    const {
      buses: [c],
    } = await instances(1, 5, name);
    expect(c!.lastSeq).toBe(12);
    const replay = await take(c!.subscribe({}, { afterSeq: 9 }), 3);
    expect(replay.map((e) => e.n)).toEqual([10, 11, 12]);
    const truncated = await take(c!.subscribe({}, { afterSeq: 2 }), 6);
    expect(truncated[0]).toMatchObject({ type: REPLAY_TRUNCATED, oldest_seq: 8, missed: 5 });
    expect(truncated.slice(1).map((e) => e.n)).toEqual([8, 9, 10, 11, 12]);
    // A Last-Event-ID this instance has not read yet (another one is ahead): the events after it, no gap report.
    const ahead = c!.subscribe({}, { afterSeq: 14 });
    for (let i = 13; i <= 16; i++) a!.publish({ type: "tick", n: i });
    expect((await take(ahead, 2)).map((e) => e.n)).toEqual([15, 16]);
  });

  it("loses nothing acknowledged across a Redis restart (appendonly), and goes on numbering", async () => {
    const {
      buses: [a, b],
    } = await instances(2);
    const sub = b!.subscribe({});
    for (let i = 1; i <= 5; i++) a!.publish({ type: "tick", n: i });
    expect((await take(sub, 5)).map((e) => e.n)).toEqual([1, 2, 3, 4, 5]);
    await server.restart();
    for (let i = 6; i <= 10; i++) a!.publish({ type: "tick", n: i });
    const after = await take(sub, 5);
    expect(after.map((e) => [e.seq, e.n])).toEqual([
      [6, 6],
      [7, 7],
      [8, 8],
      [9, 9],
      [10, 10],
    ]);
  });
});
