// Extends zod with .openapi() before storage modules build their schemas.
import "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { CommitmentScheduler } from "../../../runtime/commitments/commitment-scheduler.js";
import { ManualClock } from "../../../runtime/queue/manual-clock.js";
import { CommitmentRepository } from "../../../storage/commitments.js";
import { createTestApp, json, jsonRequest, silentLogger } from "../../helpers/app.js";
import { FakeRunQueue } from "../../helpers/fake-run-queue.js";

type Json = Record<string, unknown>;

function setup() {
  const clock = new ManualClock();
  const queue = new FakeRunQueue();
  let scheduler: CommitmentScheduler | undefined;
  let repository: CommitmentRepository | undefined;
  const t = createTestApp({
    queue,
    extend: ({ scopes }) => {
      repository = new CommitmentRepository(scopes.global());
      scheduler = new CommitmentScheduler({ repository, queue, logger: silentLogger, clock });
      return { commitments: scheduler };
    },
  });
  const send = (method: string, path: string, body?: unknown) =>
    t.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
  return { ...t, send, clock, queue, scheduler: scheduler!, repository: repository! };
}

describe("/commitments and /api/commitments", () => {
  it("refuses bad bodies with a 400 naming the field", async () => {
    const { send, scheduler } = setup();
    const cases: [unknown, string][] = [
      [{ agent: "claude", promise: "x" }, "sessionKey"],
      [{ sessionKey: "s", promise: "x" }, "agent"],
      [{ sessionKey: "s", agent: "claude" }, "promise"],
      [{ sessionKey: "s", agent: "claude", promise: "x", dueAt: "5pm" }, "dueAt"],
      [{ sessionKey: "s", agent: "claude", promise: "x", kind: "vague" }, "kind"],
    ];
    for (const [body, field] of cases) {
      const res = await send("POST", "/commitments", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).error as string).toContain(field);
    }
    expect(scheduler.list()).toEqual([]);
  });

  it("wakes the agent through the queue once, when an open commitment falls due", async () => {
    const { send, clock, queue, scheduler } = setup();
    await scheduler.start();
    const due = clock.now() + 60_000;
    const res = await send("POST", "/commitments", {
      kind: "explicit",
      sessionKey: "cli:main",
      agent: "claude",
      promise: "Report back on the build",
      dueAt: due,
    });
    expect(res.status).toBe(200);
    const made = await json(res);
    expect(made).toMatchObject({ status: "open", dueAt: due });
    const cancelled = await json(
      await send("POST", "/api/commitments", {
        session_key: "s",
        agent_id: "claude",
        promise: "never",
        due_at: due,
      }),
    );
    await send("POST", `/commitments/${cancelled.id}/cancel`);

    clock.advance(59_000);
    await scheduler.settled();
    expect(queue.jobs.size).toBe(0);
    clock.advance(1_000);
    await scheduler.settled();
    const jobs = [...queue.jobs.values()];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ agent_id: "claude", source_id: `commitment:${made.id}` });
    expect(jobs[0]!.prompt).toContain('You made a commitment: "Report back on the build"');
    expect(scheduler.get(made.id as string)).toMatchObject({
      firedAt: due,
      jobId: jobs[0]!.id,
      status: "open",
    });
    clock.advance(3_600_000);
    await scheduler.settled();
    expect(queue.jobs.size).toBe(1);

    expect(await json(await send("POST", `/commitments/${made.id}/fulfill`))).toEqual({ fulfilled: true });
    const listed = await json<Json[]>(await send("GET", "/commitments?status=fulfilled"));
    expect(listed.map((c) => c.id)).toEqual([made.id]);
    const conflict = await send("POST", `/api/commitments/${cancelled.id}/fulfill`);
    expect(conflict.status).toBe(409);
    expect((await send("POST", "/commitments/nope/cancel")).status).toBe(404);
    expect(await json(await send("GET", "/commitments/status"))).toEqual({ total: 2, open: 0, fulfilled: 1 });
  });

  it("re-arms from storage at start: one due while down fires at once, one fired is not fired again", async () => {
    const { repository, clock, queue, send } = setup();
    const past = clock.now() - 1000;
    await repository.save({
      id: "c_due",
      kind: "explicit",
      sessionKey: "s",
      agent: "claude",
      promise: "p",
      dueAt: past,
      status: "open",
      createdAt: past,
    });
    await repository.save({
      id: "c_done",
      kind: "explicit",
      sessionKey: "s",
      agent: "claude",
      promise: "q",
      dueAt: past,
      status: "open",
      createdAt: past,
      firedAt: past,
      jobId: "j_old",
    });
    const restarted = new CommitmentScheduler({ repository, queue, logger: silentLogger, clock });
    await restarted.load();
    await restarted.start();
    clock.advance(0);
    await restarted.settled();
    expect([...queue.jobs.values()].map((j) => j.source_id)).toEqual(["commitment:c_due"]);
    expect(send).toBeTruthy();
  });
});
