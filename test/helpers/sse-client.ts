import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface SseStream {
  /** Messages parsed so far (`event`, `id`, `data`), the stream's `connected` greeting apart. */
  readonly messages: EventSourceMessage[];
  /** The `event: connected` greeting every /api/events stream opens with, once it arrived. */
  readonly greeting: EventSourceMessage | undefined;
  /** Comment lines (`: ping` arrives as "ping"). */
  readonly comments: string[];
  readonly ended: boolean;
  /** Reads until `done()` holds; fails on timeout, or if the stream ends first. */
  until(done: () => boolean, timeoutMs?: number): Promise<void>;
  /** Reads until the server ends the stream. */
  untilEnd(timeoutMs?: number): Promise<void>;
  /** Disconnects (cancels the body). */
  close(): Promise<void>;
}

/** Parses an SSE response body with eventsource-parser, reading only as far as a test asks. */
export function readSse(body: ReadableStream<Uint8Array> | null): SseStream {
  if (!body) throw new Error("response has no body");
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const messages: EventSourceMessage[] = [];
  const comments: string[] = [];
  let greeting: EventSourceMessage | undefined;
  const parser = createParser({
    onEvent: (message) => {
      // Kept apart so counts and orders cover the bus's events only.
      if (message.event === "connected" && !greeting && messages.length === 0) greeting = message;
      else messages.push(message);
    },
    onComment: (comment) => comments.push(comment),
  });
  let ended = false;
  // One read in flight at a time, kept across timeouts so no chunk is lost.
  let reading: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;

  async function readOnce(deadline: number): Promise<void> {
    reading ??= reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), Math.max(0, deadline - Date.now()));
    });
    const result = await Promise.race([reading, timeout]);
    clearTimeout(timer);
    if (result === "timeout") throw new Error(`timed out; got ${messages.length} messages`);
    reading = undefined;
    if (result.done) ended = true;
    else parser.feed(decoder.decode(result.value, { stream: true }));
  }

  return {
    messages,
    comments,
    get greeting() {
      return greeting;
    },
    get ended() {
      return ended;
    },
    async until(done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (ended) throw new Error(`stream ended; got ${messages.length} messages`);
        await readOnce(deadline);
      }
    },
    async untilEnd(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!ended) await readOnce(deadline);
    },
    async close() {
      await reader.cancel().catch(() => {});
    },
  };
}

/** The JSON envelope of a message. */
export const envelopeOf = (message: EventSourceMessage) =>
  JSON.parse(message.data) as Record<string, unknown>;
