import type { ChannelGate } from "../../handlers/capabilities/channel-gate.js";
import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { QueueJob, RunQueue } from "../../handlers/capabilities/queue.js";
import { ChannelOutboxRepository, ChannelSessionMap } from "../../storage/channel-outbox.js";
import { ChannelRepository } from "../../storage/channels.js";
import type { Scope } from "../../storage/scopes.js";
import type { SessionRepository } from "../../storage/sessions.js";
import { SettingsRepository } from "../../storage/settings.js";
import { createDefaultChannelGate } from "./default-gate.js";
import { createInboundPipeline } from "./inbound.js";
import { ChannelManager } from "./manager.js";
import { ChannelOutbox, type OutboxOptions } from "./outbox.js";
import { createRunDeliveries } from "./run-deliveries.js";

export interface ChannelRuntimeOptions {
  scope: Scope;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  events?: EventBus;
  queue: Pick<RunQueue, "enqueue" | "list"> & { onChange(listener: (job: QueueJob) => void): () => void };
  sessions?: Pick<SessionRepository, "find" | "listMessages">;
  /** Access rules, pairing and channel routes; the default routes to the channel's or the default agent. */
  gate?: ChannelGate;
  now?: () => number;
  afterSend?: OutboxOptions["afterSend"];
}

/** Jobs that ended this recently and name a channel are checked for a delivery at start (a crash window). */
const CATCH_UP_MS = 24 * 60 * 60 * 1000;

/**
 * The channels subsystem: the manager (adapters from channels.yaml), the outbox, the inbound pipeline
 * and the deliveries of runs that name a channel. `start` runs once the gateway listens.
 */
export function createChannelRuntime(options: ChannelRuntimeOptions) {
  const now = options.now ?? Date.now;
  const repo = new ChannelRepository(options.scope);
  const outboxRepo = new ChannelOutboxRepository(options.scope);
  const settings = new SettingsRepository();
  let gate = options.gate ?? createDefaultChannelGate(() => settings.defaultAgent(options.scope));
  // Late-bound: the manager starts adapters that deliver into the outbox, which sends through them.
  let manager: ChannelManager | undefined;
  const outbox = new ChannelOutbox({
    repo: outboxRepo,
    adapterOf: (name) => manager?.adapterOf(name),
    events: options.events,
    logger: options.logger,
    now,
    afterSend: options.afterSend,
  });
  const inbound = createInboundPipeline({
    gate: () => gate,
    queue: options.queue,
    sessions: options.sessions,
    sessionMap: new ChannelSessionMap(options.scope),
    outbox,
    home: options.home,
    logger: options.logger,
  });
  manager = new ChannelManager({
    repo,
    outboxRepo,
    env: options.env,
    logger: options.logger,
    now,
    onMessage: (channel, message) => inbound.accept(channel, message),
  });
  const deliver = createRunDeliveries({
    repo,
    outbox,
    sessions: options.sessions,
    events: options.events,
    logger: options.logger,
  });
  const pending = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    pending.add(work);
    void work
      .catch((error: Error) =>
        options.logger.error({ msg: "channel delivery not recorded", error: error.message }),
      )
      .finally(() => pending.delete(work));
  };
  let detach: (() => void) | undefined;
  const service = manager;

  return {
    service,
    outbox,
    /** Replaces the gate (the access rules' implementation, once wired). */
    setGate(next: ChannelGate) {
      gate = next;
    },
    async start(): Promise<void> {
      detach = options.queue.onChange((job) => {
        track(inbound.rememberSession(job));
        track(deliver(job));
      });
      await service.reload();
      await outbox.start();
      // Jobs that ended while the gateway was down (or between the end and the record) get their delivery.
      const since = now() - CATCH_UP_MS;
      for (const job of await options.queue.list({ limit: 10_000 })) {
        if (typeof job.metadata?.channel !== "string" || !job.ended_at) continue;
        if (Date.parse(job.ended_at) >= since) track(deliver(job));
      }
    },
    async stop(): Promise<void> {
      detach?.();
      while (pending.size > 0) await Promise.allSettled([...pending]);
      await outbox.stop();
      await service.stop();
    },
  };
}

export type ChannelRuntime = ReturnType<typeof createChannelRuntime>;
