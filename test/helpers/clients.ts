import { createParser } from "eventsource-parser";
import WebSocket from "ws";

type Frame = Record<string, unknown> & { type: string };

/** Collects items and lets a test wait for one that matches, without sleeping. */
export class Inbox<T> {
  readonly items: T[] = [];
  private waiters: { predicate: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(item)) return true;
      w.resolve(item);
      return false;
    });
  }

  waitFor(predicate: (item: T) => boolean, timeoutMs = 20_000, what = "a matching item"): Promise<T> {
    const found = this.items.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.items).slice(-2000)}`)),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      });
    });
  }
}

export interface SseClient {
  events: Frame[];
  /** The `event: connected` greeting the stream opened with, once it arrived. */
  readonly greeting: Frame | undefined;
  ids: string[];
  waitFor(predicate: (event: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

/** An EventSource-like client over fetch, parsing with eventsource-parser. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  if (!response.ok || !response.body)
    throw new Error(`SSE ${url} answered ${response.status}: ${await response.text()}`);
  const inbox = new Inbox<Frame>();
  const ids: string[] = [];
  let greeting: Frame | undefined;
  const parser = createParser({
    onEvent: (event) => {
      // The stream's `event: connected` greeting is kept apart: `events` holds the bus's events only.
      if (event.event === "connected" && !event.id && !greeting && inbox.items.length === 0) {
        greeting = JSON.parse(event.data) as Frame;
        return;
      }
      if (event.id) ids.push(event.id);
      inbox.push(JSON.parse(event.data) as Frame);
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
    events: inbox.items,
    get greeting() {
      return greeting;
    },
    ids,
    waitFor: (predicate, timeoutMs) => inbox.waitFor(predicate, timeoutMs, "an SSE event"),
    close: () => controller.abort(),
  };
}

export interface WsClient {
  frames: Frame[];
  send(frame: unknown): void;
  sendRaw(text: string): void;
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  close(): Promise<void>;
}

export async function openWs(url: string): Promise<WsClient> {
  const socket = new WebSocket(url);
  const inbox = new Inbox<Frame>();
  socket.on("message", (data) => inbox.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  return {
    frames: inbox.items,
    send: (frame) => socket.send(JSON.stringify(frame)),
    sendRaw: (text) => socket.send(text),
    waitFor: (predicate, timeoutMs) => inbox.waitFor(predicate, timeoutMs, "a WebSocket frame"),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      }),
  };
}

export type Json = Record<string, unknown>;

/** JSON over HTTP against a running gateway: `post` answers status and body, `get` the body. */
export function jsonClient(baseUrl: () => string) {
  return {
    async post(
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Json }> {
      const res = await fetch(`${baseUrl()}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Json };
    },
    async get(path: string): Promise<Json> {
      return (await (await fetch(`${baseUrl()}${path}`)).json()) as Json;
    },
  };
}
