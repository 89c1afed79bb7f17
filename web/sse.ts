import { createParser, type EventSourceMessage } from "eventsource-parser";
import { errorMessage } from "../client/index.js";
import { ApiFailure, authHeaders } from "./api.js";

export interface StreamOptions {
  method?: "GET" | "POST";
  body?: unknown;
  signal?: AbortSignal;
  lastEventId?: string;
  onEvent(event: EventSourceMessage): void;
}

/**
 * Reads a Server-Sent Events answer with fetch (EventSource cannot send the Authorization header or a
 * body); resolves when the stream ends, rejects with an ApiFailure for an error answer.
 */
export async function streamEvents(path: string, options: StreamOptions): Promise<void> {
  const headers = authHeaders({ accept: "text/event-stream" });
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.lastEventId) headers["last-event-id"] = options.lastEventId;
  const response = await fetch(path, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  if (!response.ok || !response.body) {
    const body = await response.json().catch(() => undefined);
    throw new ApiFailure(errorMessage(body, response.status), response.status);
  }
  const parser = createParser({ onEvent: options.onEvent });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}
