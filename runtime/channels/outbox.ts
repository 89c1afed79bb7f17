import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ChannelOutboxRepository, DeliveryRecord } from "../../storage/channel-outbox.js";
import { type ChannelAdapter, PermanentDeliveryError, RetryAfterError } from "./adapter.js";

/** Attempts per delivery unless the channel says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export type NewDelivery = Pick<DeliveryRecord, "id" | "channel" | "platform" | "chat_id" | "text"> &
  Partial<
    Pick<
      DeliveryRecord,
      "thread_id" | "run_id" | "session_id" | "job_id" | "edit_message_id" | "max_attempts"
    >
  >;

export interface OutboxOptions {
  repo: ChannelOutboxRepository;
  /** The running adapter of a channel, if it is configured and enabled. */
  adapterOf: (channel: string) => ChannelAdapter | undefined;
  events?: EventBus;
  logger: Logger;
  now?: () => number;
  /**
   * Called after the platform accepted a part and before that is recorded. Tests throw here to stand for
   * a crash at the worst moment; nothing else uses it.
   */
  afterSend?: (record: DeliveryRecord, messageId: string) => Promise<void>;
}

const backoffMs = (attempts: number) =>
  Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.max(0, attempts - 1));

/**
 * The durable channel outbox. Each part of a delivery is recorded as `sending` before the platform is
 * called and recorded with its message id once accepted, so after a crash the outbox knows exactly which
 * attempt was in flight:
 * - where resending cannot duplicate (Discord's enforced nonce; a generic webhook's X-Viben-Delivery,
 *   which the receiver deduplicates) the attempt is simply repeated;
 * - on Telegram and Slack, which offer no way to ask whether a message arrived, the delivery is marked
 *   `uncertain` and never resent: at most once for that one window (a duplicate answer is worse than a
 *   missing one the status reports).
 * Failed attempts back off exponentially (1 s doubling to 5 min); a platform 429 waits its Retry-After.
 */
export class ChannelOutbox {
  private readonly now: () => number;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly listeners = new Set<(record: DeliveryRecord) => void>();
  private stopped = false;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Hears every state a delivery is saved in. */
  onChange(listener: (record: DeliveryRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Recovers what the last process left: `sending` becomes a retry or `uncertain`; pending ones are scheduled. */
  async start(): Promise<void> {
    this.stopped = false;
    for (const record of await this.options.repo.list()) {
      if (record.status === "sending") {
        const adapter = this.options.adapterOf(record.channel);
        if (adapter && !adapter.idempotentSend) {
          const uncertain = await this.save({
            ...record,
            status: "uncertain",
            error: "the gateway stopped while this message was being sent; it is not sent again",
          });
          this.options.logger.warn({
            msg: "channel delivery uncertain after a crash",
            delivery: uncertain.id,
          });
          continue;
        }
        this.schedule(await this.save({ ...record, status: "pending" }));
      } else if (record.status === "pending") {
        this.schedule(record);
      }
    }
  }

  /** Records a delivery (once per id: a second call for the same id changes nothing) and sends it. */
  async enqueue(input: NewDelivery): Promise<DeliveryRecord> {
    const at = new Date(this.now()).toISOString();
    const record: DeliveryRecord = {
      ...input,
      status: "pending",
      attempts: 0,
      max_attempts: input.max_attempts ?? DEFAULT_MAX_ATTEMPTS,
      message_ids: [],
      idempotency_key: crypto.randomUUID().replaceAll("-", ""),
      created_at: at,
      updated_at: at,
    };
    if (!(await this.options.repo.createIfAbsent(record))) {
      return (await this.options.repo.get(input.id)) ?? record;
    }
    this.emit(record);
    this.schedule(record);
    return record;
  }

  /** Resolves when nothing is being sent; timers for later attempts are cancelled (they resume at start). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private schedule(record: DeliveryRecord): void {
    if (this.stopped) return;
    const wait = record.next_attempt_at ? Date.parse(record.next_attempt_at) - this.now() : 0;
    clearTimeout(this.timers.get(record.id));
    const timer = setTimeout(
      () => {
        this.timers.delete(record.id);
        // A retry is scheduled from inside the attempt that failed: it runs once that one has finished.
        const previous = this.inFlight.get(record.id) ?? Promise.resolve();
        const work = previous
          .then(() => this.attempt(record.id))
          .catch((error: Error) =>
            this.options.logger.error({
              msg: "channel outbox stopped",
              delivery: record.id,
              error: error.message,
            }),
          )
          .finally(() => this.inFlight.delete(record.id));
        this.inFlight.set(record.id, work);
      },
      Math.max(0, wait),
    );
    timer.unref?.();
    this.timers.set(record.id, timer);
  }

  private async save(record: DeliveryRecord): Promise<DeliveryRecord> {
    const saved = { ...record, updated_at: new Date(this.now()).toISOString() };
    await this.options.repo.save(saved);
    this.emit(saved);
    return saved;
  }

  private emit(record: DeliveryRecord): void {
    for (const listener of this.listeners) listener(record);
  }

  private async attempt(id: string): Promise<void> {
    let record = await this.options.repo.get(id);
    if (record?.status !== "pending" || this.stopped) return;
    const adapter = this.options.adapterOf(record.channel);
    if (!adapter) {
      // A channel that is starting or restarting after an edit comes back: this counts as a failed
      // attempt and backs off, so only a channel that stays away fails the delivery.
      const missing = { ...record, attempts: record.attempts + 1 };
      await this.retryOrFail(
        missing,
        new Error(`channel '${record.channel}' is not configured or not running`),
      );
      return;
    }
    const parts = adapter.parts(record.text);
    const target = { chatId: record.chat_id, ...(record.thread_id ? { threadId: record.thread_id } : {}) };
    try {
      while (record.message_ids.length < parts.length) {
        const index = record.message_ids.length;
        const part = parts[index] ?? "";
        // Recorded before the call: a crash from here on leaves `sending`, which start() resolves.
        record = await this.save({ ...record, status: "sending", attempts: record.attempts + 1 });
        let messageId: string;
        if (index === 0 && record.edit_message_id && adapter.edit) {
          await adapter.edit(target, record.edit_message_id, part);
          messageId = record.edit_message_id;
        } else {
          messageId = await adapter.send(target, part, `${record.idempotency_key}:${index}`);
        }
        await this.options.afterSend?.(record, messageId);
        const done = index + 1 === parts.length;
        record = await this.save({
          ...record,
          message_ids: [...record.message_ids, messageId],
          status: done ? "delivered" : "sending",
          ...(done ? { delivered_at: new Date(this.now()).toISOString() } : {}),
          error: undefined,
          next_attempt_at: undefined,
        });
      }
    } catch (error) {
      if (error instanceof OutboxCrash) throw error;
      await this.retryOrFail(record, error as Error);
    }
  }

  private async retryOrFail(record: DeliveryRecord, error: Error): Promise<void> {
    const permanent = error instanceof PermanentDeliveryError;
    // A 429 is the platform pacing us, not a failure of the message: it does not use up an attempt.
    const limited = error instanceof RetryAfterError;
    const attempts = limited ? Math.max(0, record.attempts - 1) : record.attempts;
    if (permanent || (!limited && attempts >= record.max_attempts)) {
      await this.fail({ ...record, attempts }, error.message);
      return;
    }
    const wait = limited ? error.retryAfterMs : backoffMs(attempts);
    const next = await this.save({
      ...record,
      attempts,
      status: "pending",
      error: error.message,
      next_attempt_at: new Date(this.now() + wait).toISOString(),
    });
    this.schedule(next);
  }

  private async fail(record: DeliveryRecord, reason: string): Promise<void> {
    const failed = await this.save({
      ...record,
      status: "failed",
      error: reason,
      next_attempt_at: undefined,
    });
    this.options.logger.warn({ msg: "channel delivery failed", delivery: failed.id, error: reason });
    this.options.events?.publish({
      type: "channel_delivery_failed",
      ...(failed.session_id ? { session_id: failed.session_id } : {}),
      ...(failed.run_id ? { run_id: failed.run_id } : {}),
      delivery_id: failed.id,
      channel: failed.channel,
      platform: failed.platform,
      chat_id: failed.chat_id,
      attempts: failed.attempts,
      error: reason,
    });
  }
}

/** Thrown by a test's afterSend to stand for the process dying: nothing after it is recorded. */
export class OutboxCrash extends Error {
  override name = "OutboxCrash";
}
