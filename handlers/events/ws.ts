import type { WSContext, WSEvents } from "hono/ws";
import { z } from "zod";
import { notSupported, StorageError } from "../../storage/errors.js";
import type { GatewayConfig, Role } from "../../storage/gateway-config.js";
import { describeIssues, idSchema } from "../../storage/schema-helpers.js";
import type { EventFilter, EventSubscription, GatewayEvent } from "../capabilities/events.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute, RANK } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { prepareChatRun } from "../runs/run-requests.js";
import { eventJson } from "./event-json.js";

/** Above this many bytes waiting in a socket's send buffer the client is too slow and is dropped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const MAX_FRAME_BYTES = 1024 * 1024;

const ClientFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("chat"),
    message: z.string().min(1, "must not be empty").max(1_000_000),
    session_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    workdir: z.string().optional(),
    id: z.string().max(200).optional(),
  }),
  z.object({
    type: z.literal("subscribe"),
    session_id: idSchema.optional(),
    agent_id: idSchema.optional(),
    types: z.array(z.string()).optional(),
    id: z.string().max(200).optional(),
  }),
  z.object({
    type: z.literal("unsubscribe"),
    subscription: z.number().int().optional(),
    id: z.string().optional(),
  }),
  z.object({ type: z.literal("stop"), session_id: idSchema, id: z.string().max(200).optional() }),
  z.object({ type: z.literal("ping"), id: z.string().max(200).optional() }),
]);

type Frame = z.infer<typeof ClientFrame>;

/**
 * One WebSocket client (the Ryvos protocol): `chat` starts a run and streams its events to this client;
 * `subscribe` adds the broadcast events of other runs; `stop` stops a session's run. A malformed frame
 * gets an `error` frame and the connection stays usable.
 */
class WsClient {
  private readonly subscriptions = new Map<number, EventSubscription>();
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly services: Services,
    private readonly role: Role,
    private readonly config: GatewayConfig,
    private readonly ws: WSContext,
  ) {}

  async onMessage(data: unknown): Promise<void> {
    if (typeof data !== "string") return this.error("INVALID_FRAME", "frames must be JSON text");
    if (data.length > MAX_FRAME_BYTES)
      return this.error("FRAME_TOO_LARGE", `frames are limited to ${MAX_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.error("INVALID_JSON", "frame is not valid JSON");
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id : undefined;
      return this.error("INVALID_FRAME", `invalid frame: ${describeIssues(parsed.error).message}`, id);
    }
    try {
      await this.handle(parsed.data);
    } catch (error) {
      this.fail(error, parsed.data.id);
    }
  }

  close(): void {
    this.closed = true;
    for (const subscription of this.subscriptions.values()) subscription.close("client disconnected");
    this.subscriptions.clear();
  }

  private async handle(frame: Frame): Promise<void> {
    switch (frame.type) {
      case "ping":
        return this.send({ type: "pong", id: frame.id });
      case "subscribe": {
        const subscription = this.subscribe({
          session_id: frame.session_id,
          agent_id: frame.agent_id,
          types: frame.types,
        });
        return this.send({ type: "subscribed", subscription, id: frame.id });
      }
      case "unsubscribe": {
        const ids = frame.subscription === undefined ? [...this.subscriptions.keys()] : [frame.subscription];
        for (const id of ids) {
          this.subscriptions.get(id)?.close("unsubscribed");
          this.subscriptions.delete(id);
        }
        return this.send({ type: "unsubscribed", subscriptions: ids, id: frame.id });
      }
      case "stop": {
        this.requireRole("operator");
        const stopped = await requireCapability(this.services, "runs").stop(frame.session_id);
        return this.send({ type: "stopped", session_id: frame.session_id, stopped, id: frame.id });
      }
      case "chat": {
        this.requireRole("operator");
        const runs = requireCapability(this.services, "runs");
        const request = await prepareChatRun(this.services, frame, this.config.workdirRoots, "ws");
        const bus = this.requireBus();
        // Events published from here on are replayed to the new subscription, so none is missed.
        const afterSeq = bus.lastSeq;
        const run = await runs.start(request);
        const subscription = this.subscribe({ session_id: run.sessionId }, afterSeq, run.runId);
        return this.send({
          type: "chat_started",
          session_id: run.sessionId,
          run_id: run.runId,
          subscription,
          id: frame.id,
        });
      }
    }
  }

  private requireBus() {
    const bus = this.services.events;
    // A frame, not a route: the refusal does not name the runtime (as it always has).
    if (!bus) throw notSupported("events are not available in this runtime");
    return bus;
  }

  private requireRole(role: Role): void {
    if (RANK[this.role] < RANK[role]) {
      throw new ApiError(
        403,
        "FORBIDDEN_ROLE",
        `this action requires the ${role} role; the caller has ${this.role}`,
      );
    }
  }

  /** Forwards matching events until the subscription ends; a chat subscription ends with its run. */
  private subscribe(filter: EventFilter, afterSeq?: number, untilRunEnds?: string): number {
    const subscription = this.requireBus().subscribe(filter, { afterSeq });
    const id = this.nextId++;
    this.subscriptions.set(id, subscription);
    void (async () => {
      for (;;) {
        const event = await subscription.next();
        if (!event) break;
        if (!this.forward(event)) {
          subscription.close("slow consumer: send buffer full");
          break;
        }
        if (
          untilRunEnds &&
          event.run_id === untilRunEnds &&
          (event.type === "run_complete" || event.type === "run_error")
        ) {
          subscription.close("run finished");
          break;
        }
      }
      this.subscriptions.delete(id);
      if (subscription.closeReason?.startsWith("slow consumer") && !this.closed) {
        this.send({
          type: "error",
          code: "SUBSCRIBER_DROPPED",
          message: subscription.closeReason,
          subscription: id,
        });
        this.ws.close(1013, "slow consumer");
      }
    })();
    return id;
  }

  private forward(event: GatewayEvent): boolean {
    if (this.closed) return true;
    const buffered = (this.ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0;
    if (buffered > MAX_BUFFERED_BYTES) return false;
    this.ws.send(eventJson(event));
    return true;
  }

  private send(frame: Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(frame));
  }

  private error(code: string, message: string, id?: string): void {
    this.send({ type: "error", code, message, ...(id ? { id } : {}) });
  }

  private fail(error: unknown, id?: string): void {
    if (error instanceof ApiError || error instanceof StorageError) {
      this.error(error.code, error.message, id);
      return;
    }
    this.services.logger.error({ msg: "websocket frame failed", error: (error as Error).message });
    this.error("INTERNAL_ERROR", "internal error", id);
  }
}

const WS_DESCRIPTION = [
  "Text frames of JSON. The client sends",
  '`{"type":"chat","message","agent_id"?,"session_id"?,"workdir"?,"id"?}` (operator; answered by `chat_started`',
  "`{session_id, run_id, subscription}`, then the run's events),",
  '`{"type":"subscribe","session_id"?,"agent_id"?,"types"?}` (→ `subscribed`), `{"type":"unsubscribe","subscription"?}`',
  '(→ `unsubscribed`), `{"type":"stop","session_id"}` (operator; → `stopped`) and `{"type":"ping"}` (→ `pong`);',
  "an optional `id` is echoed in the answer. Events arrive in the envelope of `/api/events`",
  '`{"type","seq","ts","session_id"?,"run_id"?,...payload}`. A malformed frame gets',
  '`{"type":"error","code","message","id"?}` and the connection stays open.',
].join(" ");

/** How /ws appears in the OpenAPI document (the handler below serves it). */
const wsRoute = defineRoute("viewer", {
  method: "get",
  path: "/",
  operationId: "connectWebSocket",
  tags: ["WebSocket"],
  summary: "Open the WebSocket for chat and live events (chat and stop frames need operator)",
  description: WS_DESCRIPTION,
  request: webSocketHandshake,
  responses: {
    ...switchingProtocols("Frames as described above."),
    ...errorResponses(426, 501),
  },
});

/** /ws: the WebSocket protocol, where the runtime can upgrade connections (501 elsewhere). */
export const wsRouter = createDocumentedRouter(wsRoute).get("/", async (c, next) => {
  const services = c.get("services");
  const upgradeWebSocket = requireCapability(services, "upgradeWebSocket");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
  }
  const role = c.get("role");
  const config = c.get("gatewayConfig");
  return upgradeWebSocket((): WSEvents => {
    let client: WsClient | undefined;
    return {
      onOpen: (_event, ws) => {
        client = new WsClient(services, role, config, ws);
      },
      onMessage: (event, ws) => {
        client ??= new WsClient(services, role, config, ws);
        void client.onMessage(event.data);
      },
      onClose: () => client?.close(),
      onError: () => client?.close(),
    };
  })(c, next);
});
