import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";

describe("a WebSocket subscriber that stops reading", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-ws-slow-"));
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  it("is dropped with a reason while other subscribers receive every event", async () => {
    const open = async () => {
      const socket = new WebSocket(`${gw.url.replace("http", "ws")}/ws`);
      await new Promise((resolve, reject) => {
        socket.once("open", resolve);
        socket.once("error", reject);
      });
      const subscribed = new Promise((resolve) => socket.once("message", resolve));
      socket.send(JSON.stringify({ type: "subscribe", types: ["delta"] }));
      await subscribed;
      return socket;
    };
    const slow = await open();
    const fast = await open();
    let fastReceived = 0;
    let waiter: { count: number; resolve: () => void } | undefined;
    fast.on("message", () => {
      fastReceived++;
      if (waiter && fastReceived >= waiter.count) {
        waiter.resolve();
        waiter = undefined;
      }
    });
    const fastDropped = new Promise<never>((_, reject) =>
      fast.once("close", (code) => reject(new Error(`the fast subscriber was closed (${code})`))),
    );
    fastDropped.catch(() => {});
    const fastHas = (count: number) =>
      fastReceived >= count
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => (waiter = { count, resolve })), fastDropped]);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      slow.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
    // The slow client stops reading: its socket buffers fill, then the gateway's send buffer.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();

    // Published in batches of 100 (1.6 MB), each once the fast client has all but the last batch: it is
    // never more than two batches behind, however slowly this machine runs it, while the slow one falls
    // ever further behind.
    const payload = "x".repeat(16 * 1024);
    for (let i = 0; i < 4000; i++) {
      gw.events.publish({ type: "delta", session_id: "s", content: payload, i });
      if (i % 100 === 99) await fastHas(i + 1 - 100);
    }
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await closed;
    expect(code).toBe(1013);
    expect(reason).toBe("slow consumer");
    await expect.poll(() => fastReceived, { timeout: 20_000 }).toBe(4000);
    fast.close();
  });
});
