import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import { type Json, openWs } from "../helpers/clients.js";

/**
 * Access rules on a real gateway with the real Claude Code CLI against the local Anthropic stub: a run an
 * access rule denies is refused with 403 and never reaches the CLI; once the rule is gone the same call runs.
 */
describe("access rules refuse API runs", () => {
  let env: ClaudeGateway;
  const prompts: string[] = [];
  const call = async (path: string, body: unknown, method = "POST") => {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    env = await startClaudeGateway((request: MessagesRequest) => {
      prompts.push(contentText(request.messages.findLast((m) => m.role === "user")?.content));
      return { text: "Deployed.", usage: { input_tokens: 5, output_tokens: 2 } };
    });
  });

  afterAll(async () => {
    await env?.close();
  });

  it("answers 403 ACCESS_DENIED naming the rule, starts no run, and runs once the rule is removed", async () => {
    const added = await call("/api/access", {
      effect: "deny",
      agent_id: "claude",
      label: "claude is paused",
    });
    expect(added.status).toBe(201);
    const stored = await readFile(join(env.home, ".viben/access.yaml"), "utf8");
    expect(stored).toContain("label: claude is paused");

    const refused = await call("/api/chat", {
      agent_id: "claude",
      message: "deploy please",
      workdir: env.workdir,
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: "ACCESS_DENIED",
      details: { agent_id: "claude", index: 0, rule: { id: added.body.id, label: "claude is paused" } },
    });
    const queued = await call("/api/queue", { agent_id: "claude", prompt: "deploy please" });
    expect(queued.status).toBe(403);
    // OpenVesper's run routes and every WebSocket dialect are held to the same rules.
    const openVesper = await call("/agent", { message: "deploy please", agent: "claude", sessionKey: "ops" });
    expect(openVesper.status).toBe(403);
    expect(openVesper.body).toMatchObject({ code: "ACCESS_DENIED" });
    const ws = await openWs(`${env.gw.url.replace("http", "ws")}/ws`);
    try {
      ws.send({ type: "chat", id: "c1", agent_id: "claude", message: "deploy please", workdir: env.workdir });
      expect(await ws.waitFor((f) => f.type === "error")).toMatchObject({ code: "ACCESS_DENIED", id: "c1" });
      ws.send({ type: "message", sessionKey: "ops", message: "deploy please", agent: "claude" });
      expect(
        await ws.waitFor((f) => f.type === "error" && f.code === "ACCESS_DENIED" && f.id !== "c1"),
      ).toBeTruthy();
    } finally {
      await ws.close();
    }
    const agentWs = await openWs(`${env.gw.url.replace("http", "ws")}/ws/agent/run`);
    try {
      agentWs.send({ type: "start", prompt: "deploy please", agent_id: "claude", cwd: env.workdir });
      expect(
        JSON.stringify(await agentWs.waitFor((f) => JSON.stringify(f).includes("ACCESS_DENIED"))),
      ).toContain("ACCESS_DENIED");
    } finally {
      await agentWs.close();
    }
    expect(prompts).toEqual([]);

    const check = await call("/access/check", { agent: "claude", channel: "api", identity: "me" });
    expect(check.body).toMatchObject({ allowed: false, reason: "denied by rule 'claude is paused'" });

    expect((await call(`/api/access/${added.body.id}`, undefined, "DELETE")).body).toMatchObject({
      removed: true,
    });
    const ran = await call("/api/chat", {
      agent_id: "claude",
      message: "deploy please",
      workdir: env.workdir,
    });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    expect(JSON.stringify(ran.body)).toContain("Deployed.");
    expect(prompts.some((p) => p.includes("deploy please"))).toBe(true);
  });
});
