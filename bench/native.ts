import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { streamText } from "ai";
import { createParser } from "eventsource-parser";
import { startServer } from "./lib.js";
import { buildGateway, GATEWAY_ENTRY } from "./startup.js";

const now = () => performance.timeOrigin + performance.now();

/**
 * A Chat Completions stub that streams `chunks` text pieces, each carrying the time it was written
 * (`<ms>;`), so a listener can measure the delay from the stub's chunk to its own delta. Pieces come at a
 * model's pace (one every `intervalMs`, faster than real models): a flood would measure how long a backlog
 * takes to drain, not what each token's trip costs.
 */
async function startTimestampStub(
  chunks: number,
  intervalMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", async () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const frame = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
      res.write(frame({ role: "assistant", content: "" }));
      for (let i = 0; i < chunks; i++) {
        res.write(frame({ content: `${now().toFixed(3)};` }));
        await new Promise((r) => setTimeout(r, intervalMs));
      }
      res.write(
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: 10, completion_tokens: chunks, total_tokens: chunks + 10 } })}\n\n`,
      );
      res.end("data: [DONE]\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Delays (ms) of every timestamp found in the text pieces, stamped on arrival. */
function collect(delays: number[]) {
  let carry = "";
  return (piece: string) => {
    const arrived = now();
    carry += piece;
    const parts = carry.split(";");
    carry = parts.pop() ?? "";
    for (const part of parts) if (part) delays.push(arrived - Number(part));
  };
}

export interface NativeRow {
  scenario: string;
  chunks: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function row(scenario: string, delays: number[], wallMs: number): NativeRow {
  const sorted = [...delays].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return {
    scenario,
    chunks: delays.length,
    eventsPerSec: Math.round(delays.length / (wallMs / 1000)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/**
 * Issue 4's figure: a native run streamed through the gateway (stub chunk → SSE `delta` at the client),
 * beside the same stub consumed directly with the AI SDK client in the same run.
 */
export async function benchNative(chunks = 1000, intervalMs = 4): Promise<NativeRow[]> {
  const stub = await startTimestampStub(chunks, intervalMs);
  const home = await mkdtemp(join(tmpdir(), "viben-bench-native-"));
  try {
    const direct: number[] = [];
    const model = createOpenAICompatible({ name: "bench", baseURL: stub.url, apiKey: "k" }).chatModel(
      "bench",
    );
    let started = now();
    const result = streamText({ model, prompt: "go" });
    const onDirect = collect(direct);
    for await (const piece of result.textStream) onDirect(piece);
    const directRow = row("AI SDK streamText directly", direct, now() - started);

    await mkdir(join(home, ".viben/providers"), { recursive: true });
    await writeFile(
      join(home, ".viben/providers/bench.yaml"),
      `type: openai-compatible\nbase_url: ${stub.url}\napi_key: k\n`,
    );
    // The gateway in its own process (npm start's build), as users run it: it does not share this
    // process's event loop with the stub and the client.
    buildGateway();
    const gw = await startServer(GATEWAY_ENTRY, ["--port", "0"], {
      PATH: process.env.PATH ?? "",
      HOME: home,
      VIBEN_LOG_LEVEL: "silent",
    });
    try {
      await fetch(`${gw.url}/api/agent`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "bench", provider: "bench", model: "bench" }),
      });
      const viaGateway: number[] = [];
      const onDelta = collect(viaGateway);
      const controller = new AbortController();
      const stream = await fetch(`${gw.url}/api/events?agent_id=bench&type=delta,run_complete,run_error`, {
        signal: controller.signal,
      });
      let finish!: (outcome: string) => void;
      const finished = new Promise<string>((resolve) => {
        finish = resolve;
      });
      // Deltas are stamped the moment the client parses them.
      const parser = createParser({
        onEvent: (message) => {
          const event = JSON.parse(message.data) as { type: string; content?: string; error?: string };
          if (event.type === "delta") onDelta(String(event.content));
          else if (event.type === "run_error") finish(`native run failed: ${event.error}`);
          else if (event.type === "run_complete") finish("");
        },
      });
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
            parser.feed(decoder.decode(chunk, { stream: true }));
          }
        } catch {
          // aborted below
        }
      })();
      started = now();
      await fetch(`${gw.url}/api/agent/bench/spawn`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: "go", workdir: home }),
      });
      const failure = await finished;
      const wall = now() - started;
      controller.abort();
      if (failure) throw new Error(failure);
      return [directRow, row("gateway native run → SSE delta", viaGateway, wall)];
    } finally {
      await gw.stop();
    }
  } finally {
    await stub.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** Issue 12's target: the gateway adds at most 2 ms at p50 to what the AI SDK alone takes. */
export const NATIVE_ADDED_P50_TARGET_MS = 2;

export function printNative(rows: NativeRow[]): void {
  console.log("| path | deltas | events/s | p50 ms | p99 ms |\n|---|---|---|---|---|");
  for (const r of rows) {
    console.log(
      `| ${r.scenario} | ${r.chunks} | ${r.eventsPerSec} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} |`,
    );
  }
  const [direct, gateway] = rows;
  if (direct && gateway) {
    const added = gateway.p50Ms - direct.p50Ms;
    console.log(
      `gateway adds ${added.toFixed(2)} ms at p50 (target <= +${NATIVE_ADDED_P50_TARGET_MS} ms) ${added <= NATIVE_ADDED_P50_TARGET_MS ? "OK" : "ABOVE TARGET"}`,
    );
  }
}
