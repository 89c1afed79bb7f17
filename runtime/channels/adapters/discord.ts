import type { ChannelIntakeRequest } from "../../../handlers/capabilities/channels.js";
import {
  type AdapterContext,
  accepted,
  type ChannelAdapter,
  type ChannelTarget,
  header,
  type IntakeResult,
  PermanentDeliveryError,
  RetryAfterError,
  refuse,
  splitText,
} from "../adapter.js";
import { ReplayGuard, verifyEd25519 } from "../signatures.js";

type DiscordConfig = Extract<AdapterContext["config"], { platform: "discord" }>;

const DISCORD_API = "https://discord.com/api/v10";
/** Discord's limit for a message's content. */
const DISCORD_MAX = 2000;
const REQUEST_TIMEOUT_MS = 15_000;

interface CommandOption {
  name: string;
  value?: unknown;
  options?: CommandOption[];
}

interface Interaction {
  type: number;
  channel_id?: string;
  member?: { user?: { id: string; username?: string } };
  user?: { id: string; username?: string };
  data?: { name?: string; options?: CommandOption[] };
}

/** The text of a slash command: its string options, in order (e.g. `/ask prompt:<text>`). */
function commandText(options: CommandOption[] = []): string {
  return options
    .flatMap((o) => (o.options ? [commandText(o.options)] : o.value === undefined ? [] : [String(o.value)]))
    .join(" ")
    .trim();
}

/**
 * Discord over its REST API (fetch): messages sent to a channel (a thread is a channel), with a nonce
 * that Discord itself deduplicates (`enforce_nonce`), and the interactions endpoint with its Ed25519
 * signature verified.
 */
export function createDiscordAdapter(context: AdapterContext): ChannelAdapter {
  const config = context.config as DiscordConfig;
  const api = (config.api_url ?? DISCORD_API).replace(/\/+$/, "");
  const replays = new ReplayGuard(context.now);

  const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        authorization: `Bot ${config.bot_token}`,
        "content-type": "application/json",
        "user-agent": "DiscordBot (https://github.com/viben, 0.1)",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (response.status === 429) {
      const seconds = Number(json.retry_after ?? response.headers.get("retry-after") ?? 1);
      throw new RetryAfterError(Math.ceil(seconds * 1000));
    }
    if (response.status >= 400 && response.status < 500)
      throw new PermanentDeliveryError(
        `discord refused (${response.status}): ${String(json.message ?? text)}`,
      );
    if (!response.ok) throw new Error(`discord answered ${response.status}`);
    return json;
  };
  const channelOf = (target: ChannelTarget) => target.threadId ?? target.chatId;

  return {
    receive: config.public_key ? "webhook" : "send-only",
    // Discord returns the first message for a repeated nonce (enforce_nonce) instead of posting again.
    idempotentSend: true,
    parts: (text) => splitText(text, DISCORD_MAX),
    async start() {
      await call("GET", "/users/@me");
    },
    async stop() {},
    async send(target, part, idempotencyKey) {
      // A nonce is at most 25 characters; the key's tail keeps it unique per delivery part.
      const sent = await call("POST", `/channels/${encodeURIComponent(channelOf(target))}/messages`, {
        content: part,
        nonce: idempotencyKey.slice(-25),
        enforce_nonce: true,
      });
      return String(sent.id);
    },
    async edit(target, messageId, part) {
      await call(
        "PATCH",
        `/channels/${encodeURIComponent(channelOf(target))}/messages/${encodeURIComponent(messageId)}`,
        { content: part },
      );
    },
    async intake(request: ChannelIntakeRequest): Promise<IntakeResult> {
      if (!config.public_key)
        return refuse(409, "CHANNEL_NOT_WEBHOOK", "public_key is not set for this Discord channel");
      const signature = header(request, "x-signature-ed25519") ?? "";
      const timestamp = header(request, "x-signature-timestamp");
      let valid = false;
      try {
        valid = verifyEd25519(config.public_key, `${timestamp ?? ""}${request.body}`, signature);
      } catch {
        valid = false;
      }
      if (!valid) return refuse(401, "INVALID_SIGNATURE", "X-Signature-Ed25519 does not verify");
      const replay = replays.check(timestamp, signature);
      if (replay) return refuse(401, "REPLAYED_REQUEST", replay);
      let interaction: Interaction;
      try {
        interaction = JSON.parse(request.body) as Interaction;
      } catch {
        return refuse(400, "INVALID_JSON", "the body is not a Discord interaction (JSON)");
      }
      if (interaction.type === 1) return accepted([], { type: 1 });
      const user = interaction.member?.user ?? interaction.user;
      const text = commandText(interaction.data?.options);
      if (interaction.type !== 2 || !user || !interaction.channel_id || !text)
        return accepted([], { type: 4, data: { content: "Send a prompt with the command.", flags: 64 } });
      // The answer is posted to the channel when the run ends; the interaction is acknowledged now.
      return accepted(
        [
          {
            chatId: interaction.channel_id,
            senderId: user.id,
            ...(user.username ? { senderName: user.username } : {}),
            text,
          },
        ],
        { type: 4, data: { content: `> ${text.slice(0, 1500)}\nWorking on it…` } },
      );
    },
    async test() {
      const me = await call("GET", "/users/@me");
      return String(me.username ?? me.id);
    },
  };
}
