/*
 * Commitments on a real gateway whose agent `claude` is the real Claude Code CLI talking to the local
 * Anthropic stub: an overdue commitment wakes its agent through the queue (the stub sees the promise in
 * the prompt), exactly once, and the commitment records the job that woke it. Follows OpenVesper's
 * apps/gateway/src/commitments.ts (dueAt in epoch ms). Waits on the gateway's events, never on sleeps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openSse } from "../helpers/clients.js";

describe("an overdue commitment wakes its agent", () => {
  let env: ClaudeGateway;
  const prompts: string[] = [];

  beforeAll(async () => {
    env = await startClaudeGateway((request: MessagesRequest) => {
      prompts.push(contentText(request.messages.findLast((m) => m.role === "user")?.content));
      return { text: "The deploy finished at 16:58.", usage: { input_tokens: 9, output_tokens: 6 } };
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it("queues one run of the agent with the promise, and records the job on the commitment", async () => {
    const sse = await openSse(`${env.gw.url}/api/events?type=commitment_due,run_complete,run_error`);
    const created = await call("POST", "/commitments", {
      sessionKey: "ops",
      agent: "claude",
      promise: "report the deploy status",
      dueAt: Date.now() - 60_000,
    });
    expect(created.status, JSON.stringify(created.body)).toBeLessThan(300);
    const id = (created.body.id ?? (created.body.commitment as Json | undefined)?.id) as string;
    const due = await sse.waitFor((e) => e.type === "commitment_due" && e.commitment_id === id, 60_000);
    const finished = await sse.waitFor((e) => e.type === "run_complete" || e.type === "run_error", 90_000);
    expect(finished.type).toBe("run_complete");
    expect(
      prompts.filter((p) => p.includes('You made a commitment: "report the deploy status"')),
    ).toHaveLength(1);
    expect(prompts.at(-1)).toContain("overdue");

    const listed = await call("GET", "/api/commitments");
    const commitments = (listed.body.commitments ?? listed.body) as Json[];
    expect(commitments.find((c) => c.id === id)).toMatchObject({
      firedAt: expect.any(Number),
      jobId: due.job_id,
    });
    // One job for it, however the queue is asked.
    const jobs = await call("GET", "/api/queue?limit=100");
    const woke = ((jobs.body.jobs ?? jobs.body) as Json[]).filter((j) => j.source_id === `commitment:${id}`);
    expect(woke).toHaveLength(1);
    sse.close();
  }, 180_000);
});
