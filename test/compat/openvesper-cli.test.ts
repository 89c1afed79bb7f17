/*
 * Follows openvesper/openvesper apps/cli/src/index.ts (`handleSlashCommand`, the `/new`, `/reset`,
 * `/compact`, `/stop` branch): the CLI forwards to the running gateway with
 * `POST http://127.0.0.1:<port>/agent {sessionKey: $USER || "cli", message, channel: "cli"}` and prints
 * `data.reply || "(no reply)"` when `r.ok`, else says the gateway is needed. The VS Code extension
 * (apps/vscode-extension/src/extension.ts) reaches only /health and /audit/recent, not the run routes.
 * Drives a real gateway and the real Claude Code CLI against the local Anthropic stub.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";

/** The CLI's forwarding, transcribed: its port, user and query become our arguments. */
async function forwardToGateway(baseUrl: string, user: string | undefined, query: string): Promise<string> {
  try {
    const r = await fetch(`${baseUrl}/agent`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sessionKey: user || "cli", message: query, channel: "cli" }),
    });
    if (r.ok) {
      // biome-ignore lint/suspicious/noExplicitAny: the CLI reads the answer untyped
      const data: any = await r.json();
      return data.reply || "(no reply)";
    }
  } catch {
    // gateway down
  }
  return `${query} requires the gateway to be running.`;
}

describe("OpenVesper CLI → POST /agent", () => {
  let env: ClaudeGateway;

  beforeAll(async () => {
    env = await startClaudeGateway((body) => {
      const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
      return { text: prompt.includes("second") ? "Second answer." : "First answer." };
    });
  });

  afterAll(async () => {
    await env?.close();
  });

  it("prints the agent's reply, and the user's session key carries the conversation on", async () => {
    expect(await forwardToGateway(env.gw.url, "alice", "first question")).toBe("First answer.");
    expect(await forwardToGateway(env.gw.url, "alice", "second question")).toBe("Second answer.");
    // Both runs went into one session, named by the key.
    const sessions = (await (await fetch(`${env.gw.url}/api/sessions`)).json()) as {
      sessions?: Array<{ id: string; message_count?: number }>;
    };
    expect(sessions.sessions).toHaveLength(1);
  });
});
