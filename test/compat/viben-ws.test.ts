// Follows the original Viben server's /ws dialect: LinXueyuanStdio/viben
// packages/core/src/gateway/routes/ws.ts (PascalCase frames `Ping`/`Pong`, `Subscribe`/`Subscribed` and
// `Unsubscribe`/`Unsubscribed` with `data.channels`, `Event` pushes `{channel, payload:{type, data}}`,
// `Error {data.message}`) and its test packages/core/src/gateway/routes/ws.test.ts (channel filtering:
// no channel named means every event), against a real gateway on port 0 with a real WebSocket client.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InMemoryEventBus } from "../../runtime/event-bus.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { openWs, type WsClient } from "../helpers/clients.js";

describe("/ws in the original Viben dialect", () => {
  let home: string;
  let gw: RunningGateway;
  const opened: WsClient[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-ws-"));
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
  });

  afterAll(async () => {
    await Promise.all(opened.map((ws) => ws.close()));
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function connect(): Promise<WsClient> {
    const ws = await openWs(`${gw.url.replace(/^http/, "ws")}/ws`);
    opened.push(ws);
    return ws;
  }

  const eventOf = (type: string) => (f: Record<string, unknown>) =>
    f.type === "Event" && (f.data as { payload: { type: string } }).payload.type === type;

  it("answers Ping with Pong and then pushes every event as an Event frame", async () => {
    const ws = await connect();
    ws.send({ type: "Ping" });
    expect(await ws.waitFor((f) => f.type === "Pong")).toEqual({ type: "Pong" });

    const delta = (gw.events as InMemoryEventBus).publish({
      type: "delta",
      session_id: "s1",
      run_id: "r1",
      content: "hi",
    });
    gw.events.publish({ type: "cron_fired", job_id: "nightly", job_name: "Nightly" });
    const pushed = await ws.waitFor(eventOf("Delta"));
    expect(pushed).toEqual({
      type: "Event",
      data: {
        channel: "sessions",
        payload: { type: "Delta", data: { ...delta } },
      },
    });
    const cron = await ws.waitFor(eventOf("CronFired"));
    expect(cron.data).toMatchObject({
      channel: "cron",
      payload: { data: { type: "cron_fired", job_id: "nightly", job_name: "Nightly" } },
    });
  });

  it("narrows pushes to the subscribed channels, accumulates them and unsubscribes", async () => {
    const ws = await connect();
    ws.send({ type: "Subscribe", data: { channels: ["cron"] } });
    expect(await ws.waitFor((f) => f.type === "Subscribed")).toEqual({
      type: "Subscribed",
      data: { channels: ["cron"] },
    });
    ws.send({ type: "Subscribe", data: { channels: ["sessions", "agents"] } });
    const both = await ws.waitFor(
      (f) => f.type === "Subscribed" && (f.data as { channels: string[] }).channels.length === 3,
    );
    expect((both.data as { channels: string[] }).channels.sort()).toEqual(["agents", "cron", "sessions"]);

    // Published in order: the task event (channel tasks) must not arrive before the cron one that follows.
    gw.events.publish({ type: "task_created", task_id: "t1" });
    gw.events.publish({ type: "cron_fired", job_id: "after-task" });
    await ws.waitFor(eventOf("CronFired"));
    expect(ws.frames.some(eventOf("TaskCreated"))).toBe(false);

    ws.send({ type: "Unsubscribe", data: { channels: ["cron", "agents"] } });
    expect(await ws.waitFor((f) => f.type === "Unsubscribed")).toEqual({
      type: "Unsubscribed",
      data: { channels: ["sessions"] },
    });
    gw.events.publish({ type: "cron_fired", job_id: "unwanted" });
    gw.events.publish({ type: "run_started", session_id: "s2", run_id: "r2" });
    await ws.waitFor(eventOf("RunStarted"));
    const cronJobs = ws.frames
      .filter(eventOf("CronFired"))
      .map((f) => (f.data as { payload: { data: { job_id: string } } }).payload.data.job_id);
    expect(cronJobs).toEqual(["after-task"]);
  });

  it("answers malformed Viben frames with Error frames and keeps our own protocol working beside it", async () => {
    const ws = await connect();
    ws.send({ type: "Subscribe" });
    const invalid = await ws.waitFor((f) => f.type === "Error");
    expect((invalid.data as { message: string }).message).toMatch(/channels/);
    // Not JSON, on a connection that speaks Viben: Viben's error frame.
    ws.sendRaw("{nope");
    await ws.waitFor((f) => f.type === "Error" && f !== invalid);
    // SendMessage starts a run, so it needs an agent (there is none here): a clear Error frame.
    ws.send({ type: "SendMessage", data: { session_id: "sess-1", content: "hello" } });
    const noAgent = await ws.waitFor(
      (f) => f.type === "Error" && (f.data as { code?: string }).code === "NO_AGENT",
    );
    expect((noAgent.data as { message: string }).message).toMatch(/agent_id/);

    // Our frames still answer in our protocol on the same socket.
    ws.send({ type: "ping", id: "ours" });
    expect(await ws.waitFor((f) => f.type === "pong")).toEqual({ type: "pong", id: "ours" });

    // A connection that never spoke Viben gets no Viben frames.
    const plain = await connect();
    plain.send({ type: "subscribe" });
    await plain.waitFor((f) => f.type === "subscribed");
    const published = (gw.events as InMemoryEventBus).publish({ type: "heartbeat_alert", message: "disk" });
    expect(await plain.waitFor((f) => f.type === "heartbeat_alert")).toMatchObject({ seq: published.seq });
    expect(plain.frames.some((f) => f.type === "Event")).toBe(false);
  });
});
