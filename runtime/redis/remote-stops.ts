import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import type { MultiInstance } from "./multi-instance.js";
import { liveSessionKey } from "./run-owners.js";

/** How long a stop asked of another instance may take (the run's stop grace is far shorter). */
const REMOTE_STOP_TIMEOUT_MS = 60_000;

interface StopMessage {
  kind: "stop" | "stopped";
  id: string;
  session_id?: string;
  reply_to?: string;
  stopped?: boolean;
}

/**
 * Stopping a session's run wherever it runs: each instance listens on `<prefix>:stops:<instance id>`;
 * `stop(session)` on an instance where the session has no run asks the instance that records it as live
 * (run-owners.ts) over pub/sub and answers what that one answers. Every caller of the run service (REST,
 * every WebSocket dialect, ACP) gets this through `wrap`. Instance to instance over Redis: no credentials
 * travel, and a request never hops twice (the owner stops locally).
 */
export async function redisRemoteStops(
  multi: MultiInstance,
  logger: Logger,
): Promise<{ wrap(runs: RunService): RunService }> {
  const { redis, instanceId } = multi;
  const channelOf = (id: string) => redis.key("stops", id);
  const waiting = new Map<string, (stopped: boolean) => void>();
  let local: RunService | undefined;

  const subscriber = redis.open("stops");
  subscriber.on("message", (_channel: string, text: string) => {
    let message: StopMessage;
    try {
      message = JSON.parse(text) as StopMessage;
    } catch {
      return;
    }
    if (message.kind === "stopped") {
      waiting.get(message.id)?.(message.stopped === true);
      return;
    }
    if (message.kind !== "stop" || !message.session_id || !message.reply_to || !local) return;
    const replyTo = message.reply_to;
    void local
      .stop(message.session_id)
      .catch(() => false)
      .then((stopped) =>
        redis.client.publish(
          channelOf(replyTo),
          JSON.stringify({ kind: "stopped", id: message.id, stopped }),
        ),
      )
      .catch((error: Error) => logger.warn({ msg: "stop answer not sent", error: error.message }));
  });
  await subscriber.subscribe(channelOf(instanceId));

  const stopElsewhere = async (sessionId: string): Promise<boolean | undefined> => {
    const owner = await redis.client.get(liveSessionKey(redis, sessionId));
    if (!owner || owner === instanceId || !(await multi.isAlive(owner))) return undefined;
    const id = crypto.randomUUID();
    const answer = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        logger.warn({
          msg: "no answer to a stop from the run's instance",
          session_id: sessionId,
          instance: owner,
        });
        resolve(false);
      }, REMOTE_STOP_TIMEOUT_MS);
      waiting.set(id, (stopped) => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(stopped);
      });
    });
    const message: StopMessage = { kind: "stop", id, session_id: sessionId, reply_to: instanceId };
    await redis.client.publish(channelOf(owner), JSON.stringify(message));
    return answer;
  };

  return {
    wrap(runs) {
      local = runs;
      return {
        start: (request) => runs.start(request),
        async stop(sessionId) {
          if (runs.isRunning(sessionId)) return runs.stop(sessionId);
          return (await stopElsewhere(sessionId)) ?? runs.stop(sessionId);
        },
        isRunning: (sessionId) => runs.isRunning(sessionId),
        ...(runs.pending ? { pending: runs.pending.bind(runs) } : {}),
        ...(runs.startInteractive ? { startInteractive: runs.startInteractive.bind(runs) } : {}),
        ...(runs.findInteractive ? { findInteractive: runs.findInteractive.bind(runs) } : {}),
      };
    },
  };
}
