import { describe, expect, it } from "vitest";
import type { EventSubscription, GatewayEvent } from "../../handlers/capabilities/events.js";
import { createEventBus, REPLAY_TRUNCATED } from "../../runtime/event-bus.js";

const fixedClock = { now: () => new Date("2026-01-02T03:04:05.000Z") };

/** Takes what is queued right now without waiting. */
async function drain(sub: EventSubscription): Promise<GatewayEvent[]> {
  const events: GatewayEvent[] = [];
  while (sub.pending > 0) {
    const event = await sub.next();
    if (event) events.push(event);
  }
  return events;
}

describe("createEventBus", () => {
  it("assigns seq from 1 and an ISO ts, and delivers in publish order", async () => {
    const bus = createEventBus({ clock: fixedClock });
    const sub = bus.subscribe({});
    const first = bus.publish({ type: "run_started", run_id: "r1" });
    bus.publish({ type: "delta", run_id: "r1", content: "hi" });
    bus.publish({ type: "run_complete", run_id: "r1" });
    expect(first).toEqual({ type: "run_started", run_id: "r1", seq: 1, ts: "2026-01-02T03:04:05.000Z" });
    expect(bus.lastSeq).toBe(3);
    expect((await drain(sub)).map((e) => [e.seq, e.type])).toEqual([
      [1, "run_started"],
      [2, "delta"],
      [3, "run_complete"],
    ]);
  });

  it("does not let a publisher forge seq or ts, and freezes the shared event", () => {
    const bus = createEventBus();
    const event = bus.publish({ type: "delta", seq: 99, ts: "yesterday" });
    expect(event.seq).toBe(1);
    expect(event.ts).not.toBe("yesterday");
    expect(Object.isFrozen(event)).toBe(true);
  });

  it("resolves a waiting next() when an event is published", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe({});
    const waiting = sub.next();
    bus.publish({ type: "delta", content: "x" });
    expect(await waiting).toMatchObject({ seq: 1, content: "x" });
    expect(sub.pending).toBe(0);
  });

  it("filters by session, agent and types, all given conditions together", async () => {
    const bus = createEventBus();
    const bySession = bus.subscribe({ session_id: "s1" });
    const byAgent = bus.subscribe({ agent_id: "a1" });
    const byTypes = bus.subscribe({ types: ["run_complete", "run_error"] });
    const all = bus.subscribe({ session_id: "s1", agent_id: "a1", types: ["delta"] });
    const everything = bus.subscribe({ types: [] });
    bus.publish({ type: "delta", session_id: "s1", agent_id: "a1" });
    bus.publish({ type: "delta", session_id: "s1", agent_id: "a2" });
    bus.publish({ type: "run_complete", session_id: "s2", agent_id: "a1" });
    bus.publish({ type: "run_error" });
    const seqs = async (sub: EventSubscription) => (await drain(sub)).map((e) => e.seq);
    expect(await seqs(bySession)).toEqual([1, 2]);
    expect(await seqs(byAgent)).toEqual([1, 3]);
    expect(await seqs(byTypes)).toEqual([3, 4]);
    expect(await seqs(all)).toEqual([1]);
    expect(await seqs(everything)).toEqual([1, 2, 3, 4]);
  });

  it("replays buffered events after a seq, filtered, then continues live", async () => {
    const bus = createEventBus();
    for (let i = 0; i < 5; i++) bus.publish({ type: "delta", session_id: i % 2 ? "odd" : "even" });
    const sub = bus.subscribe({ session_id: "even" }, { afterSeq: 2 });
    bus.publish({ type: "delta", session_id: "even" });
    expect((await drain(sub)).map((e) => e.seq)).toEqual([3, 5, 6]);
    const fromStart = bus.subscribe({}, { afterSeq: 0 });
    expect((await drain(fromStart)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const upToDate = bus.subscribe({}, { afterSeq: 6 });
    expect(upToDate.pending).toBe(0);
  });

  it("marks a replay that the buffer no longer reaches with replay_truncated first", async () => {
    const bus = createEventBus({ bufferSize: 3 });
    for (let i = 0; i < 10; i++) bus.publish({ type: "delta" });
    const sub = bus.subscribe({}, { afterSeq: 4 });
    const events = await drain(sub);
    expect(events[0]).toMatchObject({
      type: REPLAY_TRUNCATED,
      seq: 7,
      after_seq: 4,
      oldest_seq: 8,
      missed: 3,
    });
    expect(events.slice(1).map((e) => e.seq)).toEqual([8, 9, 10]);
  });

  it("treats a seq newer than the bus (a restarted gateway) as truncated and replays everything", async () => {
    const bus = createEventBus();
    bus.publish({ type: "delta" });
    bus.publish({ type: "delta" });
    const events = await drain(bus.subscribe({ types: ["delta"] }, { afterSeq: 500 }));
    expect(events[0]).toMatchObject({ type: REPLAY_TRUNCATED, seq: 0, after_seq: 500, oldest_seq: 1 });
    expect(events.slice(1).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("keeps the replay buffer bounded", () => {
    const bus = createEventBus({ bufferSize: 100 });
    for (let i = 0; i < 1000; i++) bus.publish({ type: "delta" });
    const sub = bus.subscribe({}, { afterSeq: 0 });
    expect(sub.pending).toBe(101); // replay_truncated + the 100 newest
  });

  it("drops a slow consumer with a reason, frees its queue and keeps publishing", async () => {
    const bus = createEventBus({ defaultMaxQueue: 5 });
    const slow = bus.subscribe({});
    const fast = bus.subscribe({});
    const fastSeen: number[] = [];
    for (let i = 0; i < 20; i++) {
      expect(() => bus.publish({ type: "delta", i })).not.toThrow();
      for (const e of await drain(fast)) fastSeen.push(e.seq);
    }
    expect(slow.closeReason).toBe("slow consumer: 5 events pending");
    expect(slow.pending).toBe(0);
    expect(await slow.next()).toBeNull();
    expect(fastSeen).toHaveLength(20);
    expect(fast.closeReason).toBeUndefined();
    expect(bus.subscriberCount).toBe(1);
  });

  it("does not count a replay against maxQueue, only live events behind it", async () => {
    const bus = createEventBus({ bufferSize: 100 });
    for (let i = 0; i < 50; i++) bus.publish({ type: "delta" });
    const sub = bus.subscribe({}, { afterSeq: 0, maxQueue: 10 });
    for (let i = 0; i < 10; i++) bus.publish({ type: "delta" });
    expect(sub.closeReason).toBeUndefined();
    expect(sub.pending).toBe(60);
    bus.publish({ type: "delta" });
    expect(sub.closeReason).toBe("slow consumer: 10 events pending");
  });

  it("ends with null and detaches on close; the subscriber's own close drops what is queued", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe({});
    const waiting = sub.next();
    sub.close("client disconnected");
    expect(await waiting).toBeNull();
    expect(sub.closeReason).toBe("client disconnected");
    expect(bus.subscriberCount).toBe(0);

    const queued = bus.subscribe({});
    bus.publish({ type: "delta" });
    queued.close();
    expect(queued.pending).toBe(0);
    expect(await queued.next()).toBeNull();
  });

  it("on bus close lets subscribers drain what is queued, then answers null", async () => {
    const bus = createEventBus();
    const sub = bus.subscribe({});
    bus.publish({ type: "delta" });
    bus.close();
    expect(bus.subscriberCount).toBe(0);
    expect(await sub.next()).toMatchObject({ seq: 1 });
    expect(await sub.next()).toBeNull();
    expect(sub.closeReason).toBe("gateway shutting down");
    expect(() => bus.publish({ type: "delta" })).not.toThrow();
    expect(await bus.subscribe({}).next()).toBeNull();
  });

  it("never throws from publish, whatever the clock or payload", () => {
    const bus = createEventBus({
      clock: {
        now: () => {
          throw new Error("clock broke");
        },
      },
    });
    bus.subscribe({});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => bus.publish({ type: "delta", payload: cyclic })).not.toThrow();
  });

  it("fans out to 200 subscribers cheaply and keeps memory bounded under slow readers", async () => {
    const bus = createEventBus({ bufferSize: 1000, defaultMaxQueue: 100 });
    const subs = Array.from({ length: 200 }, () => bus.subscribe({}));
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) bus.publish({ type: "delta", content: "x" });
    const elapsed = performance.now() - started;
    // Nobody reads: every subscriber is dropped at 100 queued events instead of holding 10,000.
    expect(subs.every((s) => s.pending === 0 && s.closeReason?.startsWith("slow consumer"))).toBe(true);
    expect(bus.subscriberCount).toBe(0);
    expect(elapsed).toBeLessThan(2000);
  });
});
