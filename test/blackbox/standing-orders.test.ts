/*
 * Standing orders against a real gateway whose default agent is the real Claude Code CLI talking to the
 * local Anthropic stub: an enabled order for the agent reaches the system prompt the model receives
 * (through --append-system-prompt), an order for another agent does not, and toggling it off removes it
 * from the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import type { Json } from "../helpers/clients.js";

describe("standing orders reach the real Claude Code run's system prompt", () => {
  let env: ClaudeGateway;

  beforeAll(async () => {
    env = await startClaudeGateway(() => ({
      text: "Bien sûr.",
      usage: { input_tokens: 10, output_tokens: 3 },
    }));
  });
  afterAll(async () => {
    await env?.close();
  });

  async function call(method: string, path: string, body?: unknown): Promise<[number, Json]> {
    const res = await fetch(`${env.gw.url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    return [res.status, (await res.json()) as Json];
  }

  const systemOf = (request: MessagesRequest) => JSON.stringify(request.system ?? "");

  /** Runs the agent once and answers the system prompt of the model calls that run made. */
  async function runAndReadSystem(message: string): Promise<string> {
    const before = env.stub.requests.length;
    const [status, reply] = await call("POST", "/agent", { sessionKey: `so-${message}`, message });
    expect(status, JSON.stringify(reply)).toBe(200);
    const made = env.stub.requests.slice(before).filter((r) => JSON.stringify(r.messages).includes(message));
    expect(made.length).toBeGreaterThan(0);
    return made.map(systemOf).join("\n");
  }

  it("appends enabled orders for the agent and drops them once toggled off", async () => {
    const [, mine] = await call("POST", "/standing-orders", {
      kind: "constraint",
      agent: "claude",
      rule: "Always answer in French",
    });
    await call("POST", "/api/standing-orders", { agent: "someone-else", rule: "Speak like a pirate" });

    const first = await runAndReadSystem("first question");
    expect(first).toContain("Standing orders from the user");
    expect(first).toContain("Always answer in French");
    expect(first).not.toContain("pirate");

    const [, toggled] = await call("POST", `/standing-orders/${mine.id}/toggle`);
    expect(toggled.enabled).toBe(false);
    const second = await runAndReadSystem("second question");
    expect(second).not.toContain("Always answer in French");
    expect(second).not.toContain("Standing orders from the user");
  });
});
