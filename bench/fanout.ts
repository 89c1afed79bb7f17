import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as yieldToIo } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { createParser } from "eventsource-parser";
import { WebSocket, WebSocketServer } from "ws";
import { startGateway } from "../runtime/node/server.js";

/**
 * Event fan-out: one publisher emits `delta` events to many subscribers. Every target runs in this
 * process, clients included, so each row pays the same client-side costs; the bare `ws` broadcast is
 * the baseline measured in the same run. Adding a target (e.g. the gateway's own /ws once it exists)
 * means writing one more `FanoutTarget` and listing it in `benchFanout`.
 */
export interface FanoutRow {
  scenario: string;
  subscribers: number;
  events: number;
  /** Events received over all subscribers. */
  delivered: number;
  /** delivered / wall time from the first publish to the last delivery. */
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Subscribers that ended before receiving every event (e.g. dropped as slow). */
  dropped: number;
}

export interface FanoutOptions {
  events?: number;
  subscribers?: number;
  /** Events published back to back before yielding to I/O (a fast model streams in bursts). */
  burst?: number;
  timeoutMs?: number;
}

const now = () => performance.timeOrigin + performance.now();
const CONTENT = "The quick brown fox "; // a typical delta: a few tokens

/** Counts what one subscriber receives and how long each event took from publish to here. */
class Tracker {
  received = 0;
  ended = false;
  readonly delays: Float64Array;
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly expected: number) {
    this.delays = new Float64Array(expected);
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
  }

  record(data: string): void {
    const { sent_at } = JSON.parse(data) as { sent_at?: number };
    if (typeof sent_at !== "number" || this.received >= this.expected) return;
    this.delays[this.received] = now() - sent_at;
    this.received += 1;
    if (this.received === this.expected) this.finish();
  }

  end(): void {
    this.ended = true;
    this.finish();
  }
}

interface FanoutTarget {
  label: string;
  /** Opens one subscriber feeding `tracker`; resolves once it is connected. Returns its closer. */
  connect(tracker: Tracker): Promise<() => void>;
  /** Resolves once `count` subscribers are attached server-side (so none misses the first event). */
  ready(count: number): Promise<void>;
  publish(index: number): void;
  stop(): Promise<void>;
}

type GatewayClientKind = "sse" | "ws";

/** One subscriber of the running gateway: SSE on /api/events, or a /ws client subscribed to deltas. */
async function connectGatewayClient(
  url: string,
  kind: GatewayClientKind,
  tracker: Tracker,
): Promise<() => void> {
  if (kind === "ws") {
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`);
    let subscribed!: () => void;
    const ready = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    ws.on("message", (data) => {
      const text = String(data);
      if (text.includes('"type":"subscribed"')) subscribed();
      else if (text.includes('"type":"delta"')) tracker.record(text);
    });
    ws.on("close", () => tracker.end());
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    ws.send(JSON.stringify({ type: "subscribe", types: ["delta"] }));
    await ready;
    return () => ws.terminate();
  }
  const controller = new AbortController();
  const res = await fetch(`${url}/api/events?type=delta`, { signal: controller.signal });
  if (!res.ok || !res.body) throw new Error(`GET /api/events answered ${res.status}`);
  const parser = createParser({
    onEvent: (message) => {
      if (message.event === "delta") tracker.record(message.data);
      else if (message.event === "error") tracker.end();
    },
  });
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      }
    } catch {
      // aborted by close()
    }
    tracker.end();
  })();
  return () => controller.abort();
}

/** The gateway: events go through its bus and out to SSE and/or WebSocket subscribers, alternating. */
async function gatewayTarget(kinds: GatewayClientKind[], label: string): Promise<FanoutTarget> {
  const home = await mkdtemp(join(tmpdir(), "viben-bench-fanout-"));
  const silent = { info() {}, warn() {}, error() {} };
  const gw = await startGateway({ port: 0, env: { HOME: home, PATH: process.env.PATH }, logger: silent });
  let connected = 0;
  return {
    label,
    connect: (tracker) => connectGatewayClient(gw.url, kinds[connected++ % kinds.length]!, tracker),
    ready: (count) => waitFor(() => gw.events.subscriberCount >= count),
    publish(index) {
      gw.events.publish({
        type: "delta",
        run_id: "bench",
        session_id: "bench",
        content: CONTENT,
        index,
        sent_at: now(),
      });
    },
    async stop() {
      await gw.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** The baseline: a bare `ws` server sending each event's JSON (stringified once) to every client. */
async function bareWsTarget(): Promise<FanoutTarget> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const { port } = wss.address() as AddressInfo;
  let seq = 0;
  return {
    label: "baseline: bare ws broadcast",
    async connect(tracker) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`);
      ws.on("message", (data) => tracker.record(String(data)));
      ws.on("close", () => tracker.end());
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("error", reject);
      });
      return () => ws.terminate();
    },
    ready: (count) => waitFor(() => wss.clients.size >= count),
    publish(index) {
      seq += 1;
      const frame = JSON.stringify({
        type: "delta",
        run_id: "bench",
        session_id: "bench",
        content: CONTENT,
        index,
        sent_at: now(),
        seq,
        ts: new Date().toISOString(),
      });
      for (const client of wss.clients) client.send(frame);
    },
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

async function run(target: FanoutTarget, options: Required<FanoutOptions>): Promise<FanoutRow> {
  const { events, subscribers, burst, timeoutMs } = options;
  const trackers = Array.from({ length: subscribers }, () => new Tracker(events));
  const closers = await Promise.all(trackers.map((t) => target.connect(t)));
  try {
    await target.ready(subscribers);
    const started = now();
    for (let i = 0; i < events; i++) {
      target.publish(i);
      // Yield between bursts so sockets drain, as a real run's publisher does between model chunks.
      if ((i + 1) % burst === 0) await yieldToIo();
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(trackers.map((t) => t.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const wallMs = now() - started;
    const delivered = trackers.reduce((sum, t) => sum + t.received, 0);
    const delays = new Float64Array(delivered);
    let offset = 0;
    for (const t of trackers) {
      delays.set(t.delays.subarray(0, t.received), offset);
      offset += t.received;
    }
    delays.sort();
    return {
      scenario: target.label,
      subscribers,
      events,
      delivered,
      eventsPerSec: Math.round(delivered / (wallMs / 1000)),
      p50Ms: percentile(delays, 0.5),
      p99Ms: percentile(delays, 0.99),
      dropped: trackers.filter((t) => t.received < events).length,
    };
  } finally {
    for (const close of closers) close();
    await target.stop();
  }
}

/**
 * 10,000 `delta` events to 100 subscribers of each kind (and to 100 SSE + 100 WebSocket subscribers at
 * once), beside a bare `ws` broadcast of the same frames to 100 clients.
 */
export async function benchFanout(options: FanoutOptions = {}): Promise<FanoutRow[]> {
  const settings: Required<FanoutOptions> = {
    events: options.events ?? 10_000,
    subscribers: options.subscribers ?? 100,
    burst: options.burst ?? 100,
    timeoutMs: options.timeoutMs ?? 120_000,
  };
  // One target at a time, each fresh, so they do not share sockets or heap pressure.
  const rows: FanoutRow[] = [];
  rows.push(await run(await bareWsTarget(), settings));
  rows.push(await run(await gatewayTarget(["sse"], "gateway SSE /api/events"), settings));
  rows.push(await run(await gatewayTarget(["ws"], "gateway WebSocket /ws"), settings));
  const both = { ...settings, subscribers: settings.subscribers * 2 };
  rows.push(await run(await gatewayTarget(["sse", "ws"], "gateway SSE + WebSocket together"), both));
  return rows;
}

export function printFanout(rows: FanoutRow[]): void {
  const header = ["scenario", "subs", "events", "delivered", "events/s", "p50 ms", "p99 ms", "dropped"];
  const lines = rows.map((r) => [
    r.scenario,
    String(r.subscribers),
    String(r.events),
    String(r.delivered),
    String(r.eventsPerSec),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    String(r.dropped),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cols: string[]) => `| ${cols.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(fmt(l));
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for subscribers");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// `npx tsx bench/fanout.ts`: run on its own and print the table.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printFanout(await benchFanout());
}
