/** One event as every listener sees it (DESIGN.md): SSE `data:` and WebSocket frames share this envelope. */
export interface GatewayEvent {
  type: string;
  seq: number;
  ts: string;
  session_id?: string;
  run_id?: string;
  agent_id?: string;
  [field: string]: unknown;
}

/** What a publisher supplies; the bus adds `seq` and `ts`. */
export interface EventInput {
  type: string;
  session_id?: string;
  run_id?: string;
  agent_id?: string;
  [field: string]: unknown;
}

export interface EventFilter {
  session_id?: string;
  agent_id?: string;
  /** Event types to deliver; all when absent. */
  types?: string[];
}

export interface EventSubscription {
  /** Next event, or null once the subscription is closed (then `closeReason` says why). */
  next(): Promise<GatewayEvent | null>;
  /** Events queued for this subscriber and not yet taken. */
  readonly pending: number;
  readonly closeReason: string | undefined;
  close(reason?: string): void;
}

/**
 * Fan-out of run and system events. `publish` never blocks: each subscriber has a bounded queue and a
 * subscriber that falls too far behind is closed with a reason instead of stalling the run.
 */
export interface EventBus {
  /** Publishes; the event gets its seq and ts on the way (at once here, or through Redis with several instances). */
  publish(event: EventInput): void;
  /** Subscribes; with `afterSeq`, first replays buffered events newer than it (Last-Event-ID). */
  subscribe(filter: EventFilter, options?: { afterSeq?: number; maxQueue?: number }): EventSubscription;
  /** The sequence number of the newest event. */
  readonly lastSeq: number;
}
