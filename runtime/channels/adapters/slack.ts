import { ErrorCode, WebClient } from "@slack/web-api";
import type { ChannelIntakeRequest } from "../../../handlers/capabilities/channels.js";
import {
  type AdapterContext,
  accepted,
  type ChannelAdapter,
  header,
  type IntakeResult,
  PermanentDeliveryError,
  type ReceivedMessage,
  RetryAfterError,
  refuse,
  splitText,
} from "../adapter.js";
import { hmacSha256Hex, ReplayGuard, safeEqual } from "../signatures.js";

type SlackConfig = Extract<AdapterContext["config"], { platform: "slack" }>;

/** chat.postMessage truncates text past 40,000 characters; parts stay well below. */
const SLACK_MAX = 39_000;

interface SlackEvent {
  type?: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  channel?: string;
  ts?: string;
  thread_ts?: string;
  channel_type?: string;
}

function deliveryError(error: unknown): Error {
  const e = error as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e.code === ErrorCode.RateLimitedError) return new RetryAfterError((e.retryAfter ?? 1) * 1000);
  if (e.code === ErrorCode.PlatformError)
    return new PermanentDeliveryError(`slack refused: ${e.data?.error ?? "unknown error"}`);
  return error as Error;
}

/**
 * Slack through @slack/web-api: chat.postMessage (threads by thread_ts), chat.update for streamed edits,
 * and Events API intake with the v0 request signature verified and replays refused.
 */
export function createSlackAdapter(context: AdapterContext): ChannelAdapter {
  const config = context.config as SlackConfig;
  const client = new WebClient(config.bot_token, {
    ...(config.api_url ? { slackApiUrl: config.api_url.replace(/\/*$/, "/") } : {}),
    // The outbox owns retries: a 429 comes back to it with its Retry-After instead of waiting in here.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  const replays = new ReplayGuard(context.now);
  // Slack redelivers an event it thinks was not acknowledged; its id says it is the same one.
  const seenEvents = new Set<string>();

  return {
    receive: config.signing_secret ? "webhook" : "send-only",
    idempotentSend: false,
    parts: (text) => splitText(text, SLACK_MAX),
    async start() {
      await client.auth.test();
    },
    async stop() {},
    async send(target, part) {
      try {
        const sent = await client.chat.postMessage({
          channel: target.chatId,
          text: part,
          ...(target.threadId ? { thread_ts: target.threadId } : {}),
        });
        return String(sent.ts);
      } catch (error) {
        throw deliveryError(error);
      }
    },
    async edit(target, messageId, part) {
      try {
        await client.chat.update({ channel: target.chatId, ts: messageId, text: part });
      } catch (error) {
        throw deliveryError(error);
      }
    },
    async intake(request: ChannelIntakeRequest): Promise<IntakeResult> {
      if (!config.signing_secret)
        return refuse(409, "CHANNEL_NOT_WEBHOOK", "signing_secret is not set for this Slack channel");
      const timestamp = header(request, "x-slack-request-timestamp");
      const signature = header(request, "x-slack-signature") ?? "";
      const expected = `v0=${hmacSha256Hex(config.signing_secret, `v0:${timestamp ?? ""}:${request.body}`)}`;
      if (!signature || !safeEqual(signature, expected))
        return refuse(401, "INVALID_SIGNATURE", "X-Slack-Signature does not match the signing secret");
      const replay = replays.check(timestamp, signature);
      if (replay) return refuse(401, "REPLAYED_REQUEST", replay);
      let payload: { type?: string; challenge?: string; event_id?: string; event?: SlackEvent };
      try {
        payload = JSON.parse(request.body) as typeof payload;
      } catch {
        return refuse(400, "INVALID_JSON", "the body is not a Slack event (JSON)");
      }
      if (payload.type === "url_verification") return accepted([], { challenge: payload.challenge });
      if (payload.type !== "event_callback" || !payload.event) return accepted([]);
      if (payload.event_id) {
        if (seenEvents.has(payload.event_id)) return accepted([]);
        seenEvents.add(payload.event_id);
        if (seenEvents.size > 10_000) seenEvents.delete(seenEvents.values().next().value as string);
      }
      const event = payload.event;
      // A mention in a channel arrives both as `message` and `app_mention`: take mentions there, and
      // every message in a direct conversation (channel_type `im`).
      const isMessage =
        event.type === "app_mention" || (event.type === "message" && event.channel_type === "im");
      if (!isMessage || event.subtype || event.bot_id || !event.user || !event.channel || !event.text)
        return accepted([]);
      const message: ReceivedMessage = {
        chatId: event.channel,
        ...(event.thread_ts ? { threadId: event.thread_ts } : {}),
        senderId: event.user,
        text: event.text,
      };
      return accepted([message]);
    },
    async test() {
      try {
        const me = await client.auth.test();
        return `${me.user ?? "bot"} in ${me.team ?? "workspace"}`;
      } catch (error) {
        throw deliveryError(error);
      }
    },
  };
}
