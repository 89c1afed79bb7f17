import { z } from "@hono/zod-openapi";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { EventFilter, EventSubscription, GatewayEvent } from "../capabilities/events.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses } from "../lib/schemas.js";
import { eventJson } from "./event-json.js";

export const DEFAULT_SSE_HEARTBEAT_MS = 15_000;
/** Events written in one chunk when a reader is behind: fewer writes, same bytes. */
const MAX_BATCH = 256;

const lastEventId = z
  .string()
  .regex(/^\d{1,15}$/, "must be a non-negative integer")
  .transform(Number)
  .optional();

const EventsQuerySchema = z.object({
  session_id: z.string().min(1).optional().openapi({ description: "Only events of this session" }),
  agent_id: z.string().min(1).optional().openapi({ description: "Only events of this agent" }),
  type: z
    .string()
    .optional()
    .openapi({ description: "Comma-separated event types, e.g. `delta,run_complete`; all when absent" }),
  last_event_id: lastEventId.openapi({
    type: "integer",
    description: "Replay buffered events after this seq (the Last-Event-ID header wins)",
  }),
});

const EventsHeadersSchema = z.object({
  "last-event-id": lastEventId.openapi({
    type: "integer",
    description: "Sent by EventSource on reconnect: replay buffered events after this seq",
  }),
});

const STREAM_DESCRIPTION = [
  "Server-Sent Events. The stream opens at once with `event: connected` and",
  '`data: {"type": "connected", "timestamp": <ms since epoch>}` (no id; as the original Viben server does).',
  "Each event then: `id: <seq>`, `event: <type>`, `data: <envelope JSON>` where the envelope",
  'is `{"type", "seq", "ts", "session_id"?, "run_id"?, ...payload}`. A `: ping` comment is sent while idle.',
  "A reconnect with Last-Event-ID replays what was missed from a bounded buffer; if the buffer no longer",
  "reaches back that far, the first event after `connected` is `replay_truncated`. A reader that falls too far behind gets a",
  'final `event: error` with `{"type": "subscriber_dropped", "reason"}` and the stream ends.',
].join(" ");

/** /api/events: the gateway's event stream over SSE, filtered by session, agent and type. */
export const eventsRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/",
    operationId: "streamEvents",
    tags: ["Events"],
    summary: "Stream gateway events (Server-Sent Events)",
    request: { query: EventsQuerySchema, headers: EventsHeadersSchema },
    responses: {
      200: {
        description: STREAM_DESCRIPTION,
        content: { "text/event-stream": { schema: z.string() } },
      },
      ...errorResponses(400, 401, 403, 501),
    },
  }),
  (c) => {
    const services = c.get("services");
    const bus = requireCapability(services, "events");
    const query = c.req.valid("query");
    const afterSeq = c.req.valid("header")["last-event-id"] ?? query.last_event_id;
    const filter: EventFilter = {
      session_id: query.session_id,
      agent_id: query.agent_id,
      types: parseTypes(query.type),
    };
    // Subscribe before the stream starts, so nothing published in between is lost.
    const subscription = bus.subscribe(filter, afterSeq === undefined ? {} : { afterSeq });
    const heartbeatMs = services.sseHeartbeatMs ?? DEFAULT_SSE_HEARTBEAT_MS;
    c.header("X-Accel-Buffering", "no"); // keeps reverse proxies from buffering the stream
    const nowMs = services.clock.now().getTime();
    return streamSSE(c, (stream) => pump(stream, subscription, heartbeatMs, nowMs));
  },
);

function parseTypes(raw: string | undefined): string[] | undefined {
  const types = raw
    ?.split(",")
    .map((t) => t.trim())
    .filter(Boolean);
  return types && types.length > 0 ? types : undefined;
}

/** Copies the subscription into the stream until either side ends; the subscription is always closed. */
async function pump(
  stream: SSEStreamingApi,
  subscription: EventSubscription,
  heartbeatMs: number,
  nowMs: number,
) {
  let disconnected = false;
  stream.onAbort(() => {
    disconnected = true;
    subscription.close("client disconnected");
  });
  // A ping only when nothing was sent since the last tick and no write is waiting on the client, so a
  // stalled reader does not pile up pings behind its backpressure.
  let idle = true;
  let writing = 0;
  const heartbeat = setInterval(() => {
    if (idle && writing === 0) {
      writing += 1;
      void stream.write(PING).finally(() => {
        writing -= 1;
      });
    }
    idle = true;
  }, heartbeatMs);
  try {
    // The original Viben server greets at once (clients take it as "the stream is up"); no id, so it never
    // moves Last-Event-ID.
    await stream.write(
      encoder.encode(
        `event: connected\ndata: ${JSON.stringify({ type: "connected", timestamp: nowMs })}\n\n`,
      ),
    );
    for (;;) {
      const first = await subscription.next();
      if (first === null) break;
      const frames = [frameOf(first)];
      while (subscription.pending > 0 && frames.length < MAX_BATCH) {
        const event = await subscription.next();
        if (event === null) break;
        frames.push(frameOf(event));
      }
      idle = false;
      writing += 1;
      // Waits while the client is behind (backpressure); meanwhile the bus queues and, past the limit, drops.
      await stream.write(frames.length === 1 ? frames[0]! : concat(frames));
      writing -= 1;
    }
    const reason = subscription.closeReason;
    if (!disconnected && reason !== undefined) {
      await stream.writeSSE({ event: "error", data: JSON.stringify({ type: "subscriber_dropped", reason }) });
    }
  } finally {
    clearInterval(heartbeat);
    subscription.close();
  }
}

const encoder = new TextEncoder();
const PING = encoder.encode(": ping\n\n");
// One encoded frame per event, shared by every stream that sends it (events are immutable).
const frameCache = new WeakMap<GatewayEvent, Uint8Array>();

function frameOf(event: GatewayEvent): Uint8Array {
  let frame = frameCache.get(event);
  if (!frame) {
    // JSON.stringify escapes newlines, so the envelope is always a single `data:` line.
    frame = encoder.encode(
      `id: ${event.seq}\nevent: ${String(event.type).replace(/[\r\n]/g, "")}\ndata: ${eventJson(event)}\n\n`,
    );
    frameCache.set(event, frame);
  }
  return frame;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
