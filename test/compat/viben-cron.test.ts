/*
 * Follows the original Viben server's cron routes: LinXueyuanStdio/viben packages/core/src/gateway/routes/cron.ts
 * (both stored versions: the older one wraps answers as `{job}`, the newer answers the job with `job_type`,
 * `message`, `cron`/`every`, `agent`, `channel`, `next_run`; `/enable`, `/disable`, `/logs`), and the Ryvos web
 * UI's cron calls (Ryvos/ryvos crates/ryvos-gateway/ui-src/src/lib/pages/Graph.svelte: POST {name, schedule,
 * prompt}, DELETE /api/cron/{name}). Drives a real gateway; a run goes through the real Claude Code CLI
 * against the local Anthropic stub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openSse } from "../helpers/clients.js";

describe("cron in the original Viben server's shapes", () => {
  let env: ClaudeGateway;
  async function call(method: string, path: string, body?: unknown): Promise<[number, Json]> {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  }

  beforeAll(async () => {
    env = await startClaudeGateway(() => ({
      text: "Summary done.",
      usage: { input_tokens: 9, output_tokens: 3 },
    }));
  });
  afterAll(async () => {
    await env?.close();
  });

  let id: string;

  it("creates a job from Viben's body and answers it with Viben's fields and {job}", async () => {
    const [status, body] = await call("POST", "/api/cron", {
      name: "Daily summary",
      job_type: "agent",
      message: "Summarize the repository",
      cron: "0 9 * * *",
      agent: "claude",
      channel: "slack",
      enabled: true,
    });
    expect(status).toBe(201);
    id = body.id as string;
    const job = body.job as Json;
    expect(job).toMatchObject({
      id,
      name: "Daily summary",
      enabled: true,
      job_type: "agent",
      message: "Summarize the repository",
      cron: "0 9 * * *",
      agent: "claude",
      channel: "slack",
    });
    expect(typeof job.next_run).toBe("number");
    expect(typeof job.created_at).toBe("number");
    // Ours stays at the top level, Viben's newer answer beside it.
    expect(body).toMatchObject({
      schedule: "0 9 * * *",
      agent_id: "claude",
      prompt: "Summarize the repository",
    });
    expect(body).toMatchObject({ message: "Summarize the repository", cron: "0 9 * * *", agent: "claude" });

    const [, list] = await call("GET", "/api/cron");
    expect((list.jobs as Json[]).find((j) => j.id === id)).toMatchObject({
      job_type: "agent",
      channel: "slack",
    });
    const [, one] = await call("GET", `/api/cron/${id}`);
    expect((one.job as Json).id).toBe(id);
  });

  it("disables and enables a job; a Viben PATCH changes message and interval", async () => {
    const [s1, disabled] = await call("POST", `/api/cron/${id}/disable`);
    expect(s1).toBe(200);
    expect(disabled.job).toMatchObject({ enabled: false });
    expect((disabled.job as Json).next_run).toBeUndefined();
    const [s2, enabled] = await call("POST", `/api/cron/${id}/enable`);
    expect(s2).toBe(200);
    expect(enabled.job).toMatchObject({ enabled: true });

    const [s3, patched] = await call("PATCH", `/api/cron/${id}`, {
      message: "Summarize again",
      every: 3_600_000,
    });
    expect(s3).toBe(200);
    expect(patched.job).toMatchObject({ message: "Summarize again", every: 3_600_000, channel: "slack" });
    expect((patched.job as Json).cron).toBeUndefined();
    expect(patched.schedule).toBe("every 1h");
  });

  it("runs a job now through the real CLI and lists the run under /logs", async () => {
    const sse = await openSse(`${env.gw.url}/api/events`);
    const [status, run] = await call("POST", `/api/cron/${id}/run`);
    expect(status).toBe(202);
    expect(run).toMatchObject({ success: true, triggered: id, job_id: id });
    await sse.waitFor((e) => e.type === "run_complete" && e.response === "Summary done.", 60_000);
    await expect
      .poll(
        async () =>
          ((await call("GET", `/api/cron/${id}/logs?limit=10&offset=0`))[1].logs as Json[])[0]?.status,
      )
      .toBe("succeeded");
    const [, page] = await call("GET", `/api/cron/${id}/logs?limit=10&offset=1`);
    expect(page.logs).toEqual([]);
    const [s2, cleared] = await call("DELETE", `/api/cron/${id}/logs`);
    expect(s2).toBe(200);
    expect(cleared).toEqual({ success: true, cleared: id });
    expect((await call("GET", `/api/cron/${id}/logs`))[1].logs).toEqual([]);
  });

  it("accepts Ryvos's body (default agent) and deletes by name", async () => {
    const [status, created] = await call("POST", "/api/cron", {
      name: "daily report",
      schedule: "0 8 * * *",
      prompt: "summarize yesterday",
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({ agent_id: "claude", name: "daily report" });
    const [s2, deleted] = await call("DELETE", `/api/cron/${encodeURIComponent("daily report")}`);
    expect(s2).toBe(200);
    expect(deleted).toMatchObject({ ok: true, success: true, deleted: created.id });
    const [s3] = await call("GET", `/api/cron/${created.id}`);
    expect(s3).toBe(404);
  });

  it("refuses what it cannot run with a 4xx naming the field, and deletes by id as before", async () => {
    const cases: [Json, string][] = [
      [{ name: "s", job_type: "script", script: "echo", cron: "* * * * *" }, "job_type"],
      [{ name: "m", job_type: "agent", cron: "* * * * *" }, "message"],
      [{ name: "e", message: "x", every: 1500 }, "every"],
      [{ name: "b", message: "x", cron: "not a cron" }, "schedule"],
      [{ name: "t", agent_id: "claude", prompt: "x", schedule: "* * * * *", colour: "red" }, "colour"],
    ];
    for (const [body, field] of cases) {
      const [status, error] = await call("POST", "/api/cron", body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(error.error, JSON.stringify(body)).toContain(field);
    }
    const [status, deleted] = await call("DELETE", `/api/cron/${id}`);
    expect(status).toBe(200);
    expect(deleted).toEqual({ success: true, id });
    expect((await call("DELETE", "/api/cron/no such job"))[0]).toBe(404);
  });
});
