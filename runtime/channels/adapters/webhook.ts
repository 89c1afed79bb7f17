import type { ChannelIntakeRequest } from "../../../handlers/capabilities/channels.js";
import {
  type AdapterContext,
  accepted,
  type ChannelAdapter,
  header,
  type IntakeResult,
  PermanentDeliveryError,
  RetryAfterError,
  refuse,
} from "../adapter.js";
import { hmacSha256Hex, ReplayGuard, safeEqual } from "../signatures.js";

type WebhookConfig = Extract<AdapterContext["config"], { platform: "webhook" }>;

const REQUEST_TIMEOUT_MS = 15_000;
/** Largest text sent in one POST; a longer answer is sent in parts. */
const WEBHOOK_MAX = 1_000_000;

/** `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`): what X-Viben-Signature carries. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

/** Retry-After in seconds or as an HTTP date, in milliseconds (1 s when absent or unreadable). */
function retryAfterMs(value: string | null, now: number): number {
  if (!value) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : 1000;
}

/**
 * A generic webhook: each answer is POSTed as JSON to `url`, signed with the channel's secret
 * (X-Viben-Timestamp, X-Viben-Signature: sha256=<hex>) and carrying X-Viben-Delivery, the same on every
 * retry, so the receiver can drop repeats. Inbound messages come the other way, signed the same way.
 */
export function createWebhookAdapter(context: AdapterContext): ChannelAdapter {
  const config = context.config as WebhookConfig;
  const replays = new ReplayGuard(context.now);
  return {
    receive: "webhook",
    idempotentSend: true,
    parts: (text) => {
      const parts: string[] = [];
      for (let i = 0; i < text.length; i += WEBHOOK_MAX) parts.push(text.slice(i, i + WEBHOOK_MAX));
      return parts.length > 0 ? parts : [""];
    },
    async start() {},
    async stop() {},
    async send(target, part, idempotencyKey) {
      const timestamp = String(Math.floor(context.now() / 1000));
      const body = JSON.stringify({
        channel: context.name,
        delivery_id: idempotencyKey,
        chat_id: target.chatId,
        ...(target.threadId ? { thread_id: target.threadId } : {}),
        text: part,
      });
      const response = await fetch(config.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "viben-gateway",
          "x-viben-timestamp": timestamp,
          "x-viben-signature": webhookSignature(config.secret, timestamp, body),
          "x-viben-delivery": idempotencyKey,
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.status === 429)
        throw new RetryAfterError(retryAfterMs(response.headers.get("retry-after"), context.now()));
      if (response.status >= 400 && response.status < 500 && response.status !== 408)
        throw new PermanentDeliveryError(`webhook answered ${response.status}`);
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
      try {
        const id = (JSON.parse(text) as { message_id?: unknown }).message_id;
        if (typeof id === "string" || typeof id === "number") return String(id);
      } catch {
        // Any 2xx body is fine; the delivery id stands in for a message id.
      }
      return idempotencyKey;
    },
    async intake(request: ChannelIntakeRequest): Promise<IntakeResult> {
      const timestamp = header(request, "x-viben-timestamp");
      const signature = header(request, "x-viben-signature") ?? "";
      const expected = webhookSignature(config.secret, timestamp ?? "", request.body);
      if (!signature || !safeEqual(signature, expected))
        return refuse(401, "INVALID_SIGNATURE", "X-Viben-Signature does not match the channel's secret");
      const replay = replays.check(timestamp, signature);
      if (replay) return refuse(401, "REPLAYED_REQUEST", replay);
      let body: {
        chat_id?: unknown;
        thread_id?: unknown;
        sender_id?: unknown;
        sender_name?: unknown;
        text?: unknown;
      };
      try {
        body = JSON.parse(request.body) as typeof body;
      } catch {
        return refuse(400, "INVALID_JSON", "the body is not JSON");
      }
      const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
      const chatId = str(body.chat_id);
      const senderId = str(body.sender_id);
      if (!chatId || !senderId || typeof body.text !== "string" || body.text.trim() === "")
        return refuse(400, "VALIDATION_ERROR", "chat_id, sender_id and text (non-empty) are required");
      const threadId = str(body.thread_id);
      const senderName = str(body.sender_name);
      return accepted([
        {
          chatId,
          ...(threadId ? { threadId } : {}),
          senderId,
          ...(senderName ? { senderName } : {}),
          text: body.text,
        },
      ]);
    },
    async test() {
      return new URL(config.url).host;
    },
  };
}
