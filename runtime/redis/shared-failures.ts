import type { Logger } from "../../handlers/capabilities/logger.js";
import type { SharedFailures } from "../../storage/shared-failures.js";
import type { RedisConnection } from "./connection.js";

/**
 * Failed attempts over Redis pub/sub: each instance still decides on its own counts (no round trip on the
 * request path), which every failure elsewhere joins within a network hop. A failure told while Redis is
 * away is not replayed: the limit slows guessers, it is not a ledger.
 */
export function redisSharedFailures(
  redis: RedisConnection,
  instanceId: string,
  logger: Logger,
): SharedFailures {
  const channel = redis.key("auth", "failures");
  const listeners = new Set<(address: string, at: number) => void>();
  const subscriber = redis.open("failures");
  subscriber.on("message", (_channel: string, text: string) => {
    try {
      const { from, address, at } = JSON.parse(text) as { from?: unknown; address?: unknown; at?: unknown };
      if (from === instanceId || typeof address !== "string" || typeof at !== "number") return;
      for (const listener of listeners) listener(address, at);
    } catch {
      // Not one of ours.
    }
  });
  subscriber
    .subscribe(channel)
    .catch((error: Error) =>
      logger.warn({ msg: "failed-attempt sharing not subscribed", error: error.message }),
    );
  return {
    publish(address, at) {
      redis.client
        .publish(channel, JSON.stringify({ from: instanceId, address, at }))
        .catch((error: Error) => logger.warn({ msg: "failed attempt not shared", error: error.message }));
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
