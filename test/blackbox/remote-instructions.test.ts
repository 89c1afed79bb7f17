/*
 * Remote instructions on a real gateway with API keys, whose agent `claude` is the real Claude Code CLI
 * talking to the local Anthropic stub: an operator key pushes an instruction, it runs through the run
 * queue (the stub sees the prompt), and the list shows it with its job, run and final status. A viewer
 * key may list but not push. Waits on the gateway's own events (/api/events), never on sleeps.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openSse } from "../helpers/clients.js";

const OPERATOR = { authorization: "Bearer ctrl-operator-key-0001" };
const VIEWER = { authorization: "Bearer watch-viewer-key-0001" };

describe("remote instructions through the queue with the real Claude Code CLI", () => {
  let env: ClaudeGateway;
  const prompts: string[] = [];

  beforeAll(async () => {
    env = await startClaudeGateway((request: MessagesRequest) => {
      prompts.push(contentText(request.messages.findLast((m) => m.role === "user")?.content));
      return { text: "Site deployed.", usage: { input_tokens: 9, output_tokens: 3 } };
    });
    // Keys go in once the agent is set up (which needs no key); gateway.yaml applies without a restart.
    await writeFile(
      join(env.home, ".viben/gateway.yaml"),
      [
        "api_keys:",
        "  - {name: controller, key: ctrl-operator-key-0001, role: operator}",
        "  - {name: watcher, key: watch-viewer-key-0001, role: viewer}",
        "",
      ].join("\n"),
      { flag: "a" },
    );
  });
  afterAll(async () => {
    await env?.close();
  });

  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  it("an operator's instruction runs its agent through the queue and is listed with its run", async () => {
    await expect.poll(async () => (await fetch(`${env.gw.url}/remote/instructions`)).status).toBe(401);
    const refused = await call("POST", "/remote/instructions", VIEWER, { agent: "claude", prompt: "No." });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe("FORBIDDEN_ROLE");

    const sse = await openSse(`${env.gw.url}/api/events?type=run_complete,run_error`, OPERATOR);
    const pushed = await call("POST", "/remote/instructions", OPERATOR, {
      agent: "claude",
      prompt: "Deploy the site",
      session: "remote:ops",
      priority: "high",
    });
    expect(pushed.status).toBe(202);
    expect(pushed.body).toMatchObject({
      agent: "claude",
      prompt: "Deploy the site",
      session: "remote:ops",
      priority: 10,
      controller: "controller",
      job_id: expect.any(String),
    });
    const id = pushed.body.id as string;

    const done = await sse.waitFor((e) => e.type === "run_complete" || e.type === "run_error", 90_000);
    expect(done.type).toBe("run_complete");
    expect(prompts.some((p) => p.includes("Deploy the site"))).toBe(true);

    // The queue settles the job just after the run's event.
    await expect
      .poll(
        async () =>
          ((await call("GET", "/api/remote/instructions", VIEWER)).body.instructions as Json[])[0]?.status,
      )
      .toBe("succeeded");
    const listed = await call("GET", "/api/remote/instructions", VIEWER);
    const [first] = listed.body.instructions as Json[];
    expect(first).toMatchObject({ id, status: "succeeded", run_id: done.run_id });
    const one = await call("GET", `/remote/instructions/${id}`, VIEWER);
    expect(one.body).toMatchObject({ id, run_id: done.run_id, session_id: done.session_id });
    sse.close();
  });

  it("answers OpenVesper's tunnel question and names bad input", async () => {
    const tunnel = await call("POST", "/remote/instructions", OPERATOR, {
      host: "my-vps.example",
      user: "alice",
    });
    expect(tunnel.status).toBe(200);
    expect(JSON.stringify(tunnel.body)).toContain("alice@my-vps.example");
    const missing = await call("POST", "/api/remote/instructions", OPERATOR, { agent: "claude" });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain("prompt");
    const unknown = await call("POST", "/api/remote/instructions", OPERATOR, {
      agent: "ghost",
      prompt: "hi",
    });
    expect(unknown.status).toBe(404);
  });
});
