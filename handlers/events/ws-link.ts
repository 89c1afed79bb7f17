import type { WSContext } from "hono/ws";
import { notSupported } from "../../storage/errors.js";
import type { GatewayConfig, Role } from "../../storage/gateway-config.js";
import { checkRunAccess } from "../access/run-access.js";
import type { EventBus, EventFilter, EventSubscription, GatewayEvent } from "../capabilities/events.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { RANK } from "../lib/roles.js";

/** Above this many bytes waiting in a socket's send buffer the client is too slow and is dropped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface PumpOptions {
  afterSeq?: number;
  /** The text frame for an event, or undefined to send nothing for it. */
  render: (event: GatewayEvent) => string | undefined;
  /** True when the subscription should end after this event (it has been sent). */
  endsWith?: (event: GatewayEvent) => boolean;
  /** Called once the subscription was dropped because the client fell behind (the socket then closes). */
  onDropped?: (reason: string, subscription: number) => void;
  /** Called after every event taken off the subscription (sent or not). */
  onTaken?: (event: GatewayEvent) => void;
}

/**
 * One WebSocket connection's plumbing, shared by every dialect spoken on /ws: sending, the caller's role,
 * and bus subscriptions forwarded with a cap on what may wait in the send buffer.
 */
export class WsLink {
  private readonly subscriptions = new Map<number, EventSubscription>();
  private nextId = 1;
  closed = false;

  constructor(
    readonly services: Services,
    readonly role: Role,
    readonly config: GatewayConfig,
    private readonly ws: WSContext,
    /** The API key the connection was opened with (access rules check runs by its name). */
    readonly keyName?: string,
  ) {}

  /** Refuses a run of `agentId` that the access rules deny this connection's key (403 ACCESS_DENIED). */
  checkRunAccess(agentId: string): Promise<void> {
    return checkRunAccess(this.services, this.keyName, agentId);
  }

  send(frame: Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(frame));
  }

  requireBus(): EventBus {
    const bus = this.services.events;
    // A frame, not a route: the refusal does not name the runtime (as it always has).
    if (!bus) throw notSupported("events are not available in this runtime");
    return bus;
  }

  requireRole(role: Role): void {
    if (RANK[this.role] < RANK[role]) {
      throw new ApiError(
        403,
        "FORBIDDEN_ROLE",
        `this action requires the ${role} role; the caller has ${this.role}`,
      );
    }
  }

  /** Forwards matching events until the subscription ends; answers the subscription's number. */
  pump(filter: EventFilter, options: PumpOptions): number {
    const subscription = this.requireBus().subscribe(filter, { afterSeq: options.afterSeq });
    const id = this.nextId++;
    this.subscriptions.set(id, subscription);
    void (async () => {
      for (;;) {
        const event = await subscription.next();
        if (!event) break;
        const text = this.closed ? undefined : options.render(event);
        if (text !== undefined && !this.forward(text)) {
          subscription.close("slow consumer: send buffer full");
          break;
        }
        options.onTaken?.(event);
        if (options.endsWith?.(event)) {
          subscription.close("finished");
          break;
        }
      }
      this.subscriptions.delete(id);
      if (subscription.closeReason?.startsWith("slow consumer") && !this.closed) {
        options.onDropped?.(subscription.closeReason, id);
        this.ws.close(1013, "slow consumer");
      }
    })();
    return id;
  }

  unsubscribe(id: number): boolean {
    const subscription = this.subscriptions.get(id);
    subscription?.close("unsubscribed");
    return this.subscriptions.delete(id);
  }

  subscriptionIds(): number[] {
    return [...this.subscriptions.keys()];
  }

  close(): void {
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.close("client disconnected");
    this.subscriptions.clear();
  }

  private forward(text: string): boolean {
    const buffered = (this.ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0;
    if (buffered > MAX_BUFFERED_BYTES) return false;
    this.ws.send(text);
    return true;
  }
}
