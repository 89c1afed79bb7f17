import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelegramStub } from "../fixtures/channel-stubs.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";

const TOKEN = "424242:e2e-telegram-token";

/**
 * End to end: a Telegram user's message (the stub's getUpdates, long polling) → the gateway's channel →
 * the default agent, the real Claude Code CLI against the Anthropic stub → the answer sent back with
 * sendMessage to the same chat.
 */
describe("Telegram → real Claude Code → Telegram", () => {
  let env: ClaudeGateway;
  let telegram: Awaited<ReturnType<typeof startTelegramStub>>;

  beforeAll(async () => {
    telegram = await startTelegramStub(TOKEN);
    env = await startClaudeGateway(() => ({
      text: "Pong from Claude",
      usage: { input_tokens: 9, output_tokens: 4 },
    }));
    const created = await fetch(`${env.gw.url}/api/channels`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "tg", platform: "telegram", bot_token: TOKEN, api_root: telegram.url }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { status: { state: string } }).status.state).toBe("running");
  });
  afterAll(async () => {
    await env?.close();
    await telegram?.close();
  });

  it("delivers Claude's answer to the chat the message came from", async () => {
    telegram.pushMessage(31337, "ping");
    const sent = await telegram.waitFor((c) => c.method === "sendMessage");
    expect(String(sent.body.chat_id)).toBe("31337");
    expect(sent.body.text).toBe("Pong from Claude");
    const prompts = env.stub.requests.map((r) => JSON.stringify(r.messages));
    expect(prompts.some((p) => p.includes("ping"))).toBe(true);
  });
});
