import type { Redis } from "ioredis";
import type { EventInput, GatewayEvent } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { createEventFanout, type GatewayEventBus } from "../event-bus.js";
import type { RedisConnection } from "./connection.js";

/**
 * The event bus of several gateway instances on one Redis: every event goes through one Redis Stream, so a
 * run on instance A reaches SSE and WebSocket clients of B in the same order as A's own, and a Last-Event-ID
 * means the same on every instance.
 *
 * Publishing numbers the event in Redis (a Lua script: INCR of a counter, then XADD with the id `<seq>-0`,
 * so seqs have no gaps and stream order is seq order; the events of one tick share one call). Every instance, the publisher included, delivers
 * only what its reader takes off the stream: one order everywhere. Each instance mirrors the stream's tail
 * in the same in-memory replay ring as a single gateway (loaded from the stream at start), so replay is
 * as immediate as in memory; the stream keeps at most about `bufferSize` events (MAXLEN ~).
 *
 * While Redis is unreachable, publishes wait in ioredis's offline queue (in order) and the reader resumes
 * from the last id it delivered: nothing acknowledged is lost, live clients see the events late.
 */
export interface RedisEventBusOptions {
  redis: RedisConnection;
  logger: Logger;
  bufferSize?: number;
  defaultMaxQueue?: number;
  /** How long one blocking read waits before it looks again (ms); also bounds how long close() waits. */
  blockMs?: number;
}

export interface RedisEventBus extends GatewayEventBus {
  /** Stops reading and ends every subscription; the connection closes with the RedisConnection. */
  stop(): Promise<void>;
}

// ARGV[1] is the stream's length bound, the rest are events in publish order.
const PUBLISH = `
for i = 2, #ARGV do
  local seq = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'e', ARGV[i])
end
return #ARGV - 1`;

type StreamEntry = [id: string, fields: string[]];

export async function createRedisEventBus(options: RedisEventBusOptions): Promise<RedisEventBus> {
  const { redis, logger } = options;
  const capacity = Math.max(1, Math.floor(options.bufferSize ?? 10_000));
  const blockMs = options.blockMs ?? 2_000;
  const streamKey = redis.key("events", "stream");
  const counterKey = redis.key("events", "seq");
  const fanout = createEventFanout({
    bufferSize: capacity,
    defaultMaxQueue: options.defaultMaxQueue,
    ahead: "lag",
  });

  const toEvent = ([id, fields]: StreamEntry): GatewayEvent | undefined => {
    const seq = Number(id.split("-")[0]);
    const text = fields[fields.indexOf("e") + 1];
    if (!Number.isSafeInteger(seq) || text === undefined) return undefined;
    try {
      const { ts, ...body } = JSON.parse(text) as Record<string, unknown>;
      // The same shape as the in-memory bus's: seq and ts last.
      return Object.freeze({ ...body, seq, ts }) as GatewayEvent;
    } catch {
      return undefined;
    }
  };

  // The tail the stream keeps, oldest first, before anyone subscribes.
  const tail = (await redis.client.xrevrange(streamKey, "+", "-", "COUNT", capacity)) as StreamEntry[];
  let lastId = tail[0]?.[0] ?? "0-0";
  for (const entry of tail.reverse()) {
    const event = toEvent(entry);
    if (event) fanout.deliver(event);
  }

  let pending: string[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    redis.client
      .eval(PUBLISH, 2, streamKey, counterKey, String(capacity), ...batch)
      .catch((error: Error) =>
        logger.error({ msg: "events not published to Redis", count: batch.length, error: error.message }),
      );
  };

  const reader: Redis = redis.open("events");
  let stopped = false;
  const reading = (async () => {
    while (!stopped) {
      try {
        const answer = (await reader.xread("COUNT", 1000, "BLOCK", blockMs, "STREAMS", streamKey, lastId)) as
          | [key: string, entries: StreamEntry[]][]
          | null;
        for (const [, entries] of answer ?? []) {
          for (const entry of entries) {
            lastId = entry[0];
            const event = toEvent(entry);
            if (event) fanout.deliver(event);
          }
        }
      } catch (error) {
        if (stopped) return;
        logger.warn({ msg: "reading events from Redis failed", error: (error as Error).message });
        await new Promise((resume) => setTimeout(resume, 500));
      }
    }
  })();

  return {
    get lastSeq() {
      return fanout.lastSeq;
    },
    get subscriberCount() {
      return fanout.subscriberCount;
    },
    publish(input: EventInput): void {
      // seq comes from Redis and ts from here, after the input, so a publisher cannot forge them.
      const { seq: _seq, ts: _ts, ...body } = input as EventInput & { seq?: unknown; ts?: unknown };
      pending.push(JSON.stringify({ ...body, ts: new Date().toISOString() }));
      // The events of one tick (a burst of deltas) go to Redis in one script call, still in order.
      if (pending.length === 1) queueMicrotask(flush);
    },
    subscribe: (filter, subscribeOptions) => fanout.subscribe(filter, subscribeOptions),
    close: (reason) => fanout.close(reason),
    async stop() {
      stopped = true;
      fanout.close("gateway shutting down");
      reader.disconnect();
      // A read queued while the connection was reconnecting may never settle after disconnect (ioredis
      // keeps it in its offline queue): wait for the loop a moment, not forever.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([reading, new Promise((resume) => (timer = setTimeout(resume, 1000)))]);
      clearTimeout(timer);
    },
  };
}
