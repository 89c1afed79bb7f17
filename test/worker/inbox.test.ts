import { createStorage } from "unstorage";
import { describe, expect, it } from "vitest";
import type { EdgeInboxItem } from "../../handlers/capabilities/edge-inbox.js";
import type { QueueJobInput } from "../../handlers/capabilities/queue.js";
import { localIdempotencyKey, wakeBody } from "../../runtime/edge-sync/inbox-puller.js";
import { KvEdgeInbox } from "../../runtime/workerd/inbox.js";

const wake = (prompt: string, metadata: Record<string, unknown> = { hook: "github" }): QueueJobInput => ({
  agent_id: "helper",
  prompt,
  workspace_path: "/home/u",
  source: "webhook",
  metadata,
});

function inboxAt(start: number) {
  let now = start;
  const kv = createStorage();
  // Each reading of the clock is a second later, so ids are in arrival order.
  const tick = () => {
    now += 1000;
    return new Date(now);
  };
  return { kv, inbox: new KvEdgeInbox(kv, tick) };
}

describe("the edge inbox", () => {
  it("keeps wakes in arrival order until each is acknowledged, and the first receipt stands", async () => {
    const { kv, inbox } = inboxAt(Date.UTC(2026, 10, 23));
    const a = await inbox.enqueue(wake("a"));
    const b = await inbox.enqueue(wake("b"));
    expect((await inbox.pending(10)).map((i) => i.prompt)).toEqual(["a", "b"]);
    expect(a.status).toBe("queued");
    const acked = await inbox.ack(a.id, { status: "delivered", local_job_id: "job-1" });
    expect(acked).toMatchObject({ id: a.id, receipt: { status: "delivered", local_job_id: "job-1" } });
    expect((await inbox.ack(a.id, { status: "rejected", error: "late" }))?.receipt?.local_job_id).toBe(
      "job-1",
    );
    expect((await inbox.pending(10)).map((i) => i.id)).toEqual([b.id]);
    // Acknowledged items stay readable (a sender's retry finds its run id), under their own prefix.
    expect((await inbox.get(a.id))?.acked_at).toBeDefined();
    expect(await kv.getKeys("inbox")).toEqual([`inbox:${b.id}`]);
    expect(await inbox.ack("nope", { status: "delivered" })).toBeNull();
    expect(await inbox.get("../x")).toBeNull();
    expect((await inbox.list({ source: "webhook" })).map((i) => i.prompt).sort()).toEqual(["a", "b"]);
  });

  it("pages with a limit, oldest first", async () => {
    const { inbox } = inboxAt(0);
    for (const p of ["1", "2", "3"]) await inbox.enqueue(wake(p));
    expect((await inbox.pending(2)).map((i) => i.prompt)).toEqual(["1", "2"]);
  });
});

describe("delivering an inbox item to the local gateway", () => {
  const item = (id: string, metadata: Record<string, unknown>): EdgeInboxItem => ({
    ...wake("p", metadata),
    id,
    status: "queued",
    attempts: 0,
    created_at: "2026-11-23T00:00:00.000Z",
  });

  it("uses one local Idempotency-Key per sender key, so duplicates at the edge start one run", async () => {
    const first = await localIdempotencyKey(item("1", { hook: "github", idempotency_key: "k" }));
    expect(await localIdempotencyKey(item("2", { hook: "github", idempotency_key: "k" }))).toBe(first);
    expect(await localIdempotencyKey(item("3", { hook: "other", idempotency_key: "k" }))).not.toBe(first);
    expect(first).toMatch(/^edge:[0-9a-f]{64}$/);
    expect(await localIdempotencyKey(item("4", { hook: "github" }))).toBe("edge:4");
  });

  it("rebuilds the webhook body the edge accepted", () => {
    const body = wakeBody({
      ...item("1", { hook: "github", channel: "slack", metadata: { build: 7 }, idempotency_key: "k" }),
      session_id: "s1",
    });
    expect(body).toEqual({
      prompt: "p",
      agent_id: "helper",
      session_id: "s1",
      channel: "slack",
      metadata: { build: 7 },
    });
  });
});
