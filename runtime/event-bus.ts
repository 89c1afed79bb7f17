import type { Clock } from "../handlers/capabilities/clock.js";
import type {
  EventBus,
  EventFilter,
  EventInput,
  EventSubscription,
  GatewayEvent,
} from "../handlers/capabilities/events.js";

/**
 * In-memory fan-out of gateway events. Portable (no Node-only imports): the Node runtime uses it, and a
 * Worker could too. `publish` is synchronous and O(subscribers): each matching subscriber gets the same
 * frozen event object pushed onto its own bounded queue, so a slow reader never stalls a run.
 */
export interface EventBusOptions {
  /** Events kept for replay after a reconnect (Last-Event-ID). */
  bufferSize?: number;
  /** Live events a subscriber may leave untaken before it is dropped. */
  defaultMaxQueue?: number;
  clock?: Clock;
}

/** A bus the runtime owns: it can count and end its subscriptions (in memory, or over Redis). */
export interface GatewayEventBus extends EventBus {
  /** Open subscriptions (for leak checks and metrics). */
  readonly subscriberCount: number;
  /** Ends every subscription: each drains what is queued, then `next()` answers null. Publishing goes on. */
  close(reason?: string): void;
}

export interface InMemoryEventBus extends GatewayEventBus {
  /** In memory the event is numbered at once. */
  publish(event: EventInput): GatewayEvent;
}

/** The synthetic first event of a replay that could not go back far enough. */
export const REPLAY_TRUNCATED = "replay_truncated";

const CLOSED: Promise<null> = Promise.resolve(null);

interface Delivery {
  matches(event: GatewayEvent): boolean;
  deliver(event: GatewayEvent): void;
  end(reason: string): void;
}

class QueueSubscription implements EventSubscription, Delivery {
  // A queue read from `head`: no Array#shift, which is O(n) per take.
  private queue: GatewayEvent[] = [];
  private head = 0;
  // Replayed events still queued: replay is bounded by the buffer, so it does not count against maxQueue.
  private replayLeft = 0;
  private waiters: ((event: GatewayEvent | null) => void)[] = [];
  private reason: string | undefined;
  private closed = false;
  private readonly types: Set<string> | undefined;

  constructor(
    private readonly filter: EventFilter,
    private readonly maxQueue: number,
    private readonly detach: (subscription: QueueSubscription) => void,
  ) {
    this.types = filter.types && filter.types.length > 0 ? new Set(filter.types) : undefined;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  get closeReason(): string | undefined {
    return this.reason;
  }

  matches(event: GatewayEvent): boolean {
    const { session_id, agent_id } = this.filter;
    return (
      (session_id === undefined || event.session_id === session_id) &&
      (agent_id === undefined || event.agent_id === agent_id) &&
      (this.types === undefined || this.types.has(event.type))
    );
  }

  replay(events: GatewayEvent[]): void {
    for (const event of events) this.queue.push(event);
    this.replayLeft = events.length;
  }

  /** Live events up to this seq are not delivered (see EventFanout.subscribe, ahead of lastSeq). */
  skipThrough = 0;

  deliver(event: GatewayEvent): void {
    if (this.closed || event.seq <= this.skipThrough) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(event);
      return;
    }
    const live = this.pending - this.replayLeft;
    if (live >= this.maxQueue) {
      this.close(`slow consumer: ${live} events pending`);
      return;
    }
    this.queue.push(event);
  }

  next(): Promise<GatewayEvent | null> {
    if (this.head < this.queue.length) return Promise.resolve(this.take());
    if (this.closed) return CLOSED;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Closed by its reader or dropped as too slow: queued events are discarded at once (memory freed). */
  close(reason = "closed"): void {
    if (this.closed) return;
    this.queue = [];
    this.head = 0;
    this.replayLeft = 0;
    this.end(reason);
  }

  /** Closed by the bus (shutdown): what is queued can still be taken, then `next()` answers null. */
  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.reason = reason;
    this.detach(this);
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }

  private take(): GatewayEvent {
    const event = this.queue[this.head]!;
    this.head += 1;
    if (this.replayLeft > 0) this.replayLeft -= 1;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      // Compact now and then so a queue that never empties does not keep taken events alive.
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return event;
  }
}

export function createEventBus(options: EventBusOptions = {}): InMemoryEventBus {
  const clock = options.clock;
  const fanout = createEventFanout(options);
  const now = (): string => {
    try {
      return (clock?.now() ?? new Date()).toISOString();
    } catch {
      return new Date().toISOString();
    }
  };
  return {
    get lastSeq() {
      return fanout.lastSeq;
    },
    get subscriberCount() {
      return fanout.subscriberCount;
    },
    publish(input: EventInput): GatewayEvent {
      // seq and ts always come last so a publisher cannot forge them; frozen because every subscriber and
      // the replay buffer share this one object. (The cast: Omit<> over an index signature drops `type`.)
      const event = Object.freeze({ ...input, seq: fanout.lastSeq + 1, ts: now() }) as GatewayEvent;
      fanout.deliver(event);
      return event;
    },
    subscribe: (filter, subscribeOptions) => fanout.subscribe(filter, subscribeOptions),
    close: (reason) => fanout.close(reason),
  };
}

export interface EventFanoutOptions extends EventBusOptions {
  /**
   * What a Last-Event-ID newer than the newest event here means. "restart" (one gateway): it comes from an
   * earlier gateway process, so everything buffered is new to the client. "lag" (several instances on one
   * Redis stream): another instance has read further; the events after it are delivered as they arrive.
   */
  ahead?: "restart" | "lag";
}

/**
 * The subscriber side of a bus: events that already carry their seq and ts (assigned here by createEventBus,
 * or by Redis for several instances) go to every matching subscriber and into the replay ring.
 */
export interface EventFanout {
  readonly lastSeq: number;
  readonly subscriberCount: number;
  /**
   * One event, in seq order. A seq that does not follow the last one (a new stream, or a reader that fell
   * behind the stream's retention) starts the replay ring afresh from it.
   */
  deliver(event: GatewayEvent): void;
  subscribe(filter: EventFilter, options?: { afterSeq?: number; maxQueue?: number }): EventSubscription;
  close(reason?: string): void;
}

export function createEventFanout(options: EventFanoutOptions = {}): EventFanout {
  const capacity = Math.max(0, Math.floor(options.bufferSize ?? 10_000));
  const defaultMaxQueue = Math.max(1, Math.floor(options.defaultMaxQueue ?? 5_000));
  const clock = options.clock;
  const lagging = options.ahead === "lag";
  // Ring buffer indexed by (seq - 1) % capacity, holding seqs firstSeq..lastSeq (no gaps in between).
  const ring: (GatewayEvent | undefined)[] = new Array(capacity);
  const subscribers = new Set<QueueSubscription>();
  let firstSeq = 1;
  let lastSeq = 0;
  let shutdown: string | undefined;

  const now = (): string => {
    try {
      return (clock?.now() ?? new Date()).toISOString();
    } catch {
      return new Date().toISOString();
    }
  };
  const oldestBufferedSeq = () => Math.max(firstSeq, lastSeq - Math.min(lastSeq, capacity) + 1);
  const detach = (subscription: QueueSubscription) => {
    subscribers.delete(subscription);
  };

  function replayFor(subscription: QueueSubscription, requested: number): GatewayEvent[] {
    const afterSeq = Number.isFinite(requested) ? Math.max(0, Math.floor(requested)) : 0;
    const oldest = oldestBufferedSeq();
    const events: GatewayEvent[] = [];
    const ahead = afterSeq > lastSeq;
    if (ahead && lagging) {
      subscription.skipThrough = afterSeq;
      return events;
    }
    // A Last-Event-ID ahead of lastSeq comes from an earlier gateway process: everything buffered is new to
    // the client, and what it missed in between is unknown.
    if (ahead || afterSeq < oldest - 1) {
      events.push(
        Object.freeze({
          type: REPLAY_TRUNCATED,
          // The client may resume from here: everything before the oldest buffered event is gone.
          seq: oldest - 1,
          ts: now(),
          after_seq: afterSeq,
          oldest_seq: oldest,
          ...(ahead ? { reason: "last event id is newer than this gateway's events" } : {}),
          ...(ahead ? {} : { missed: oldest - 1 - afterSeq }),
        }),
      );
    }
    const from = ahead ? oldest : Math.max(afterSeq + 1, oldest);
    for (let seq = from; seq <= lastSeq; seq++) {
      const event = ring[(seq - 1) % capacity]!;
      if (subscription.matches(event)) events.push(event);
    }
    return events;
  }

  return {
    get lastSeq() {
      return lastSeq;
    },
    get subscriberCount() {
      return subscribers.size;
    },

    deliver(event: GatewayEvent): void {
      if (event.seq !== lastSeq + 1) firstSeq = event.seq;
      lastSeq = event.seq;
      if (capacity > 0) ring[(lastSeq - 1) % capacity] = event;
      for (const subscription of subscribers) {
        try {
          if (subscription.matches(event)) subscription.deliver(event);
        } catch {
          // A subscriber must never break a publisher; deliver() itself does not throw.
        }
      }
    },

    subscribe(filter, subscribeOptions = {}): EventSubscription {
      const maxQueue = Math.max(1, Math.floor(subscribeOptions.maxQueue ?? defaultMaxQueue));
      const subscription = new QueueSubscription({ ...filter }, maxQueue, detach);
      if (subscribeOptions.afterSeq !== undefined) {
        subscription.replay(replayFor(subscription, subscribeOptions.afterSeq));
      }
      if (shutdown === undefined) subscribers.add(subscription);
      else subscription.end(shutdown);
      return subscription;
    },

    close(reason = "gateway shutting down") {
      shutdown ??= reason;
      for (const subscription of [...subscribers]) subscription.end(reason);
    },
  };
}
