import { setImmediate as tick } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createEventBus } from "../../../runtime/event-bus.js";
import { createTestApp, json } from "../../helpers/app.js";
import { eventually } from "../../helpers/gateway-process.js";
import { envelopeOf, readSse } from "../../helpers/sse-client.js";

function setup(options: { bufferSize?: number; defaultMaxQueue?: number; sseHeartbeatMs?: number } = {}) {
  const events = createEventBus({
    bufferSize: options.bufferSize,
    defaultMaxQueue: options.defaultMaxQueue,
    clock: { now: () => new Date("2026-01-02T03:04:05.000Z") },
  });
  const { app } = createTestApp({ events, sseHeartbeatMs: options.sseHeartbeatMs ?? 60_000 });
  return { app, events };
}

describe("GET /api/events", () => {
  it("answers 501 NOT_SUPPORTED_IN_RUNTIME without an event bus (as on Workers)", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/events");
    expect(res.status).toBe(501);
    expect(await json(res)).toMatchObject({ code: "NOT_SUPPORTED_IN_RUNTIME" });
  });

  it("rejects a last_event_id that is not a non-negative integer, naming the field", async () => {
    const { app, events } = setup();
    for (const bad of ["-1", "abc", "1.5", ""]) {
      const res = await app.request(`/api/events?last_event_id=${bad}`);
      expect(res.status).toBe(400);
      expect((await json<{ error: string }>(res)).error).toContain("last_event_id");
    }
    const res = await app.request("/api/events", { headers: { "Last-Event-ID": "x" } });
    expect(res.status).toBe(400);
    expect((await json<{ error: string }>(res)).error).toContain("last-event-id");
    expect(events.subscriberCount).toBe(0);
  });

  it("streams each event with id, event type and the JSON envelope", async () => {
    const { app, events } = setup();
    const res = await app.request("/api/events");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const sse = readSse(res.body);
    events.publish({ type: "run_started", run_id: "r1", session_id: "s1" });
    events.publish({ type: "delta", run_id: "r1", session_id: "s1", content: "line 1\nline 2" });
    await sse.until(() => sse.messages.length === 2);
    expect(sse.messages.map((m) => [m.id, m.event])).toEqual([
      ["1", "run_started"],
      ["2", "delta"],
    ]);
    expect(envelopeOf(sse.messages[1]!)).toEqual({
      type: "delta",
      run_id: "r1",
      session_id: "s1",
      content: "line 1\nline 2",
      seq: 2,
      ts: "2026-01-02T03:04:05.000Z",
    });
    await sse.close();
  });

  it("filters by session_id, agent_id and a comma-separated type list", async () => {
    const { app, events } = setup();
    const sse = readSse(
      (await app.request("/api/events?session_id=s1&agent_id=a1&type=delta,%20run_complete")).body,
    );
    events.publish({ type: "delta", session_id: "s2", agent_id: "a1" });
    events.publish({ type: "tool_start", session_id: "s1", agent_id: "a1" });
    events.publish({ type: "delta", session_id: "s1", agent_id: "a2" });
    events.publish({ type: "delta", session_id: "s1", agent_id: "a1" });
    events.publish({ type: "run_complete", session_id: "s1", agent_id: "a1" });
    await sse.until(() => sse.messages.length === 2);
    expect(sse.messages.map((m) => m.id)).toEqual(["4", "5"]);
    await sse.close();
  });

  it("replays missed events after last_event_id; the Last-Event-ID header wins over the query", async () => {
    const { app, events } = setup();
    for (let i = 0; i < 5; i++) events.publish({ type: "delta", i });
    const byQuery = readSse((await app.request("/api/events?last_event_id=3")).body);
    await byQuery.until(() => byQuery.messages.length === 2);
    expect(byQuery.messages.map((m) => m.id)).toEqual(["4", "5"]);

    const res = await app.request("/api/events?last_event_id=0", { headers: { "Last-Event-ID": "4" } });
    const byHeader = readSse(res.body);
    events.publish({ type: "delta", i: 5 });
    await byHeader.until(() => byHeader.messages.length === 2);
    expect(byHeader.messages.map((m) => m.id)).toEqual(["5", "6"]);
    await Promise.all([byQuery.close(), byHeader.close()]);
  });

  it("starts with replay_truncated when the buffer no longer reaches back to last_event_id", async () => {
    const { app, events } = setup({ bufferSize: 2 });
    for (let i = 0; i < 6; i++) events.publish({ type: "delta" });
    const sse = readSse((await app.request("/api/events?last_event_id=1")).body);
    await sse.until(() => sse.messages.length === 3);
    expect(sse.messages[0]).toMatchObject({ event: "replay_truncated", id: "4" });
    expect(envelopeOf(sse.messages[0]!)).toMatchObject({ missed: 3, oldest_seq: 5 });
    expect(sse.messages.slice(1).map((m) => m.id)).toEqual(["5", "6"]);
    await sse.close();
  });

  it("sends a `: ping` comment while idle", async () => {
    const { app } = setup({ sseHeartbeatMs: 20 });
    const sse = readSse((await app.request("/api/events")).body);
    await sse.until(() => sse.comments.length >= 2);
    expect(sse.comments[0]?.trim()).toBe("ping");
    await sse.close();
  });

  it("drops a reader that falls too far behind with a final error event, then ends the stream", async () => {
    const { app, events } = setup({ defaultMaxQueue: 5 });
    const res = await app.request("/api/events");
    // The client reads nothing while events keep coming.
    for (let i = 0; i < 100 && events.subscriberCount > 0; i++) {
      events.publish({ type: "delta", i });
      await tick();
    }
    expect(events.subscriberCount).toBe(0);
    const sse = readSse(res.body);
    await sse.untilEnd();
    const last = sse.messages.at(-1)!;
    expect(last.event).toBe("error");
    expect(envelopeOf(last)).toEqual({
      type: "subscriber_dropped",
      reason: "slow consumer: 5 events pending",
    });
  });

  it("ends the stream after what is queued when the bus shuts down", async () => {
    const { app, events } = setup();
    const sse = readSse((await app.request("/api/events")).body);
    events.publish({ type: "delta" });
    events.close("gateway shutting down");
    await sse.untilEnd();
    expect(sse.messages.map((m) => m.event)).toEqual(["delta", "error"]);
    expect(envelopeOf(sse.messages[1]!)).toMatchObject({ reason: "gateway shutting down" });
  });

  it("closes the subscription when the client disconnects", async () => {
    const { app, events } = setup();
    const sse = readSse((await app.request("/api/events")).body);
    events.publish({ type: "delta" });
    await sse.until(() => sse.messages.length === 1);
    expect(events.subscriberCount).toBe(1);
    await sse.close();
    await eventually(async () => expect(events.subscriberCount).toBe(0));
    expect(() => events.publish({ type: "delta" })).not.toThrow();
  });

  it("is documented in the OpenAPI document as text/event-stream for viewers", async () => {
    const { app } = setup();
    const doc = await json<{ paths: Record<string, { get: Record<string, unknown> }> }>(
      await app.request("/openapi.json"),
    );
    const op = doc.paths["/api/events"]?.get;
    expect(op?.["x-required-role"]).toBe("viewer");
    expect(JSON.stringify(op?.responses)).toContain("text/event-stream");
    expect(JSON.stringify(op?.parameters)).toContain("last-event-id");
  });
});
