import { createParser } from "eventsource-parser";

type Frame = Record<string, unknown> & { type: string };

export interface PostSseClient {
  /** Every `data:` frame so far, parsed, in order. */
  events: Frame[];
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

/**
 * A POST answered with an event stream of JSON `data:` frames (e.g. /api/agent/run), read the way the
 * Viben desktop does (fetch, then every `data:` line). A test waits for a frame instead of sleeping.
 */
export async function postSse(url: string, body: unknown): Promise<PostSseClient> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: "POST",
    headers: { accept: "text/event-stream", "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (!response.ok || !response.body)
    throw new Error(`SSE ${url} answered ${response.status}: ${await response.text()}`);
  const events: Frame[] = [];
  let waiters: { predicate: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];
  const parser = createParser({
    onEvent: (event) => {
      const frame = JSON.parse(event.data) as Frame;
      events.push(frame);
      waiters = waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    waitFor(predicate, timeoutMs = 60_000) {
      const found = events.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<Frame>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out waiting for a frame; got ${JSON.stringify(events).slice(-2000)}`)),
          timeoutMs,
        );
        waiters.push({
          predicate,
          resolve: (frame) => {
            clearTimeout(timer);
            resolve(frame);
          },
        });
      });
    },
    close: () => controller.abort(),
  };
}
