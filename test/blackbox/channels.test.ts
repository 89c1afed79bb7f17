import { createHmac, generateKeyPairSync, sign } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  startDiscordStub,
  startSlackStub,
  startTelegramStub,
  startWebhookReceiver,
} from "../fixtures/channel-stubs.js";

const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");
const TG_TOKEN = "123456:telegram-test-token";
const SLACK_SIGNING = "slack-signing-secret";
const HOOK_SECRET = "webhook-shared-secret";

type Json = Record<string, unknown>;

/**
 * The four channel adapters against local stubs of their platforms, through a real gateway on port 0
 * with the fake Claude CLI (it echoes the prompt): Telegram long polling in and out, Slack Events API
 * intake (signatures, replays, url_verification) and a wake naming `channel: slack`, Discord's
 * interactions endpoint (Ed25519) and a 429 honoured with its retry-after, and signed webhook delivery.
 */
describe("channels against platform stubs", () => {
  let home: string;
  let gw: RunningGateway;
  let telegram: Awaited<ReturnType<typeof startTelegramStub>>;
  let slack: Awaited<ReturnType<typeof startSlackStub>>;
  let discord: Awaited<ReturnType<typeof startDiscordStub>>;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const discordKeys = generateKeyPairSync("ed25519");
  const discordPublicHex = (discordKeys.publicKey.export({ format: "der", type: "spki" }) as Buffer)
    .subarray(12)
    .toString("hex");
  const json = { "content-type": "application/json" };
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${gw.url}${path}`, { ...init, headers: { ...json, ...init.headers } });
    return { status: response.status, body: (await response.json()) as Json };
  };
  /** Waits for the outbox to settle the delivery of a run (the list is the run's delivery status). */
  async function delivery(query: string, status: string): Promise<Json> {
    for (;;) {
      const { body } = await api(`/api/channels/deliveries?${query}`);
      const deliveries = body.deliveries as Json[];
      const found = deliveries.find((d) => d.status === status);
      if (found) return found;
      // A delivery that ended otherwise will not change again: say how it ended instead of waiting on.
      const ended = deliveries.find((d) => ["failed", "uncertain"].includes(d.status as string));
      if (ended && status !== ended.status) throw new Error(`delivery ended ${JSON.stringify(ended)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-channels-"));
    [telegram, slack, discord, receiver] = await Promise.all([
      startTelegramStub(TG_TOKEN),
      startSlackStub(),
      startDiscordStub(),
      startWebhookReceiver(),
    ]);
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    await writeFile(join(home, ".viben/executors/CLAUDE_CODE.yaml"), `command: ${FAKE_CLAUDE}\n`);
    await writeFile(
      join(home, ".viben/channels.yaml"),
      [
        "channels:",
        "  tg:",
        "    platform: telegram",
        "    bot_token: ${TG_TOKEN}",
        `    api_root: ${telegram.url}`,
        "  team-slack:",
        "    platform: slack",
        "    bot_token: xoxb-test",
        "    signing_secret: ${SLACK_SIGNING}",
        `    api_url: ${slack.apiUrl}`,
        "    chat_id: C0ALERTS",
        "  dc:",
        "    platform: discord",
        "    bot_token: discord-bot-token",
        `    public_key: ${discordPublicHex}`,
        `    api_url: ${discord.apiUrl}`,
        "  hook:",
        "    platform: webhook",
        `    url: ${receiver.url}/in`,
        "    secret: ${HOOK_SECRET}",
        "    chat_id: ops",
        "",
      ].join("\n"),
    );
    gw = await startGateway({
      port: 0,
      env: {
        ...process.env,
        HOME: home,
        VIBEN_LOG_LEVEL: "silent",
        TG_TOKEN,
        SLACK_SIGNING,
        HOOK_SECRET,
      },
    });
    expect(
      (
        await api("/api/agent", {
          method: "POST",
          body: JSON.stringify({ name: "Coder", executor_type: "CLAUDE_CODE" }),
        })
      ).status,
    ).toBe(201);
    expect(
      (await api("/api/agent/default", { method: "PUT", body: JSON.stringify({ agent_id: "coder" }) }))
        .status,
    ).toBe(200);
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all([telegram?.close(), slack?.close(), discord?.close(), receiver?.close()]);
    await rm(home, { recursive: true, force: true });
  });

  it("lists channels with live status and never echoes a secret", async () => {
    const { status, body } = await api("/api/channels");
    expect(status).toBe(200);
    const channels = body.channels as Json[];
    expect(channels.map((c) => [c.name, (c.status as Json).state])).toEqual([
      ["tg", "running"],
      ["team-slack", "running"],
      ["dc", "running"],
      ["hook", "running"],
    ]);
    const text = JSON.stringify(body);
    expect(text).not.toContain("xoxb-test");
    expect(text).not.toContain("discord-bot-token");
    expect((channels[0]!.config as Json).bot_token).toBe("${TG_TOKEN}");
    expect((channels[1]!.config as Json).bot_token).toBe("***");
    const tested = await api("/api/channels/tg/test", { method: "POST" });
    expect(tested.body).toMatchObject({ ok: true, detail: "@viben_test_bot" });
  });

  it("answers a Telegram message (long polling) in the same chat", async () => {
    telegram.pushMessage(555, "hello from telegram");
    const sent = await telegram.waitFor(
      (c) => c.method === "sendMessage" && String(c.body.chat_id) === "555",
    );
    expect(sent.body.text).toContain("hello from telegram");
    expect(sent.body.parse_mode).toBe("MarkdownV2");
  });

  it("lets a channel route pick the agent that answers an inbound message", async () => {
    const reviewer = await api("/api/agent", {
      method: "POST",
      body: JSON.stringify({ name: "Reviewer", executor_type: "CLAUDE_CODE" }),
    });
    expect(reviewer.status).toBe(201);
    const route = await api("/api/channel-routes", {
      method: "POST",
      body: JSON.stringify({ channel: "tg", text_pattern: "^/review\\b", agent_id: "reviewer" }),
    });
    expect(route.status).toBe(201);
    telegram.pushMessage(556, "/review the parser");
    const sent = await telegram.waitFor(
      (c) => c.method === "sendMessage" && String(c.body.chat_id) === "556",
    );
    expect(sent.body.text).toContain("review the parser");
    const sessions = await api("/api/sessions?agent_id=reviewer");
    expect(JSON.stringify(sessions.body)).toContain("reviewer");
    expect((sessions.body.sessions as Json[]).length).toBe(1);
  });

  it("refuses Slack events with a bad signature or replayed, answers url_verification", async () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${gw.url}/api/channels/team-slack/events`, {
        method: "POST",
        headers: { ...json, ...headers },
        body,
      });
    const signed = (body: string, ts = Math.floor(Date.now() / 1000)) => ({
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": `v0=${createHmac("sha256", SLACK_SIGNING).update(`v0:${ts}:${body}`).digest("hex")}`,
    });
    const challenge = JSON.stringify({ type: "url_verification", challenge: "abc123" });
    const headers = signed(challenge);
    const ok = await post(challenge, headers);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: "abc123" });
    const replay = await post(challenge, headers);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as Json).code).toBe("REPLAYED_REQUEST");
    const old = await post(challenge, signed(challenge, Math.floor(Date.now() / 1000) - 600));
    expect(old.status).toBe(401);
    const forged = await post(challenge, { ...signed(challenge), "x-slack-signature": "v0=deadbeef" });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as Json).code).toBe("INVALID_SIGNATURE");
  });

  it("delivers a wake naming channel: slack to the Slack channel, honouring a 429", async () => {
    slack.rateLimitNext(1);
    const wake = await api("/api/hooks/wake", {
      method: "POST",
      body: JSON.stringify({ prompt: "deploy finished", channel: "slack" }),
    });
    expect(wake.status).toBe(202);
    const runId = wake.body.run_id as string;
    const done = await delivery(`run_id=${runId}`, "delivered");
    const posts = slack.calls.filter((c) => c.method === "chat.postMessage" && c.body.channel === "C0ALERTS");
    expect(posts).toHaveLength(2);
    expect(posts[1]!.body.text).toContain("deploy finished");
    expect(done).toMatchObject({ channel: "team-slack", chat_id: "C0ALERTS", attempts: 1 });
    // The run shows where its answer went.
    const run = await api(`/api/runs/${runId}`);
    expect(run.body.channel_deliveries).toEqual([
      expect.objectContaining({ channel: "team-slack", status: "delivered", attempts: 1 }),
    ]);
  });

  it("verifies Discord interactions (Ed25519), answers PING, and posts the answer to the channel after a 429", async () => {
    const post = (body: string, ts = String(Math.floor(Date.now() / 1000)), key = discordKeys.privateKey) =>
      fetch(`${gw.url}/api/channels/dc/events`, {
        method: "POST",
        headers: {
          ...json,
          "x-signature-timestamp": ts,
          "x-signature-ed25519": sign(null, Buffer.from(ts + body), key).toString("hex"),
        },
        body,
      });
    const ping = await post(JSON.stringify({ type: 1 }));
    expect(await ping.json()).toEqual({ type: 1 });
    const other = generateKeyPairSync("ed25519").privateKey;
    expect((await post(JSON.stringify({ type: 1, id: "x" }), undefined, other)).status).toBe(401);
    discord.rateLimitNext(1);
    const command = JSON.stringify({
      type: 2,
      channel_id: "900",
      member: { user: { id: "u1", username: "ada" } },
      data: { name: "ask", options: [{ name: "prompt", value: "hello discord" }] },
    });
    const ack = await post(command);
    expect(((await ack.json()) as Json).type).toBe(4);
    const done = await delivery("channel=dc", "delivered");
    const limited = discord.calls.filter((c) => c.path === "/api/v10/channels/900/messages");
    expect(limited).toHaveLength(2);
    expect(limited[1]!.body.content).toContain("hello discord");
    // The 429's retry_after (1 s) set the next attempt, counted from when the refusal was recorded.
    expect(done.attempts).toBe(1);
  });

  it("posts signed webhook deliveries and retries after a failure with the same delivery id", async () => {
    receiver.failNext(1);
    const wake = await api("/api/hooks/wake", {
      method: "POST",
      body: JSON.stringify({ prompt: "nightly report", channel: "hook" }),
    });
    await delivery(`run_id=${wake.body.run_id as string}`, "delivered");
    const posts = receiver.calls.filter((c) => c.path === "/in");
    expect(posts).toHaveLength(2);
    const [first, second] = posts;
    expect(second!.headers["x-viben-delivery"]).toBe(first!.headers["x-viben-delivery"]);
    const ts = second!.headers["x-viben-timestamp"] as string;
    const expected = `sha256=${createHmac("sha256", HOOK_SECRET).update(`${ts}.${second!.raw}`).digest("hex")}`;
    expect(second!.headers["x-viben-signature"]).toBe(expected);
    expect(second!.body).toMatchObject({ channel: "hook", chat_id: "ops" });
    expect(second!.body.text).toContain("nightly report");
  });
});
