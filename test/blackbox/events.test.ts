import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InMemoryEventBus } from "../../runtime/event-bus.js";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { silentLogger } from "../helpers/app.js";
import { eventually, makeTempHome, removeDir } from "../helpers/gateway-process.js";
import { envelopeOf, readSse, type SseStream } from "../helpers/sse-client.js";

describe("SSE /api/events on the real server (port 0, temporary HOME)", () => {
  let gw: RunningGateway;
  let home: string;
  let own: number;
  const open: SseStream[] = [];

  async function connect(query = "", headers: Record<string, string> = {}): Promise<SseStream> {
    const res = await fetch(`${gw.url}/api/events${query}`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const sse = readSse(res.body);
    open.push(sse);
    return sse;
  }

  beforeAll(async () => {
    home = await makeTempHome();
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH },
      logger: silentLogger,
      sseHeartbeatMs: 50,
    });
    // The gateway's own listeners (run activity for /health, channel deliveries), before any client.
    own = gw.events.subscriberCount;
  });

  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await gw.close();
    await removeDir(home);
  });

  it("delivers events published on the gateway's bus, each with its seq as id", async () => {
    const sse = await connect();
    const first = (gw.events as InMemoryEventBus).publish({
      type: "run_started",
      run_id: "r1",
      session_id: "s1",
    });
    gw.events.publish({ type: "delta", run_id: "r1", session_id: "s1", content: "hé 本地" });
    await sse.until(() => sse.messages.length === 2);
    expect(sse.messages.map((m) => [m.id, m.event])).toEqual([
      [String(first.seq), "run_started"],
      [String(first.seq + 1), "delta"],
    ]);
    expect(envelopeOf(sse.messages[1]!)).toMatchObject({
      type: "delta",
      content: "hé 本地",
      ts: expect.any(String),
    });
    await sse.close();
  });

  it("replays exactly the missed events on a reconnect with Last-Event-ID", async () => {
    const sse = await connect("?session_id=replay");
    for (let i = 0; i < 3; i++) gw.events.publish({ type: "delta", session_id: "replay", i });
    await sse.until(() => sse.messages.length === 3);
    const lastSeen = sse.messages.at(-1)!.id!;
    await sse.close();

    for (let i = 3; i < 6; i++) gw.events.publish({ type: "delta", session_id: "replay", i });
    gw.events.publish({ type: "delta", session_id: "elsewhere" });
    const again = await connect("?session_id=replay", { "Last-Event-ID": lastSeen });
    await again.until(() => again.messages.length === 3);
    gw.events.publish({ type: "delta", session_id: "replay", i: 6 });
    await again.until(() => again.messages.length === 4);
    expect(again.messages.map((m) => envelopeOf(m).i)).toEqual([3, 4, 5, 6]);
    const ids = again.messages.map((m) => Number(m.id));
    expect(ids[0]).toBeGreaterThan(Number(lastSeen));
    await again.close();
  });

  it("sends heartbeats while idle", async () => {
    const sse = await connect("?session_id=quiet");
    await sse.until(() => sse.comments.length >= 2, 2000);
    expect(sse.comments.every((c) => c.trim() === "ping")).toBe(true);
    await sse.close();
  });

  it("filters by type and agent", async () => {
    const sse = await connect("?agent_id=a1&type=run_complete,run_error");
    gw.events.publish({ type: "delta", agent_id: "a1" });
    gw.events.publish({ type: "run_complete", agent_id: "a2" });
    gw.events.publish({ type: "run_error", agent_id: "a1", error: "boom" });
    gw.events.publish({
      type: "run_complete",
      agent_id: "a1",
      tokens: { input: 1, output: 2 },
      cost_cents: 0,
    });
    await sse.until(() => sse.messages.length === 2);
    expect(sse.messages.map((m) => m.event)).toEqual(["run_error", "run_complete"]);
    await sse.close();
  });

  it("frees the subscriber when the client disconnects", async () => {
    // Earlier tests' streams are gone first; the gateway's own listeners stay.
    await eventually(async () => expect(gw.events.subscriberCount).toBe(own));
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/api/events`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(gw.events.subscriberCount).toBe(own + 1);
    controller.abort();
    await eventually(async () => expect(gw.events.subscriberCount).toBe(own));
    expect(() => gw.events.publish({ type: "delta" })).not.toThrow();
  });

  it("rejects a bad Last-Event-ID with a 400 naming the field", async () => {
    const res = await fetch(`${gw.url}/api/events`, { headers: { "Last-Event-ID": "-3" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain("last-event-id");
  });
});
