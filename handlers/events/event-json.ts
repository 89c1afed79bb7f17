import type { GatewayEvent } from "../capabilities/events.js";

// One JSON text per event, shared by every SSE stream and WebSocket that sends it (events are immutable).
const jsonCache = new WeakMap<GatewayEvent, string>();

/** The event envelope as JSON, serialised once however many listeners receive it. */
export function eventJson(event: GatewayEvent): string {
  let json = jsonCache.get(event);
  if (json === undefined) {
    json = serialise(event);
    jsonCache.set(event, json);
  }
  return json;
}

function serialise(event: GatewayEvent): string {
  try {
    return JSON.stringify(event);
  } catch {
    // A payload that cannot be serialised (a cycle, a bigint) must not end a stream.
    return JSON.stringify({
      type: event.type,
      seq: event.seq,
      ts: event.ts,
      error: "unserialisable payload",
    });
  }
}
