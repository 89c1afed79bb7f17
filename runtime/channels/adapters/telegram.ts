import { Bot, GrammyError, HttpError } from "grammy";
import type { Message, Update } from "grammy/types";
import type { ChannelIntakeRequest } from "../../../handlers/capabilities/channels.js";
import {
  type AdapterContext,
  accepted,
  type ChannelAdapter,
  type ChannelTarget,
  header,
  type IntakeResult,
  PermanentDeliveryError,
  type ReceivedMessage,
  RetryAfterError,
  refuse,
  splitText,
} from "../adapter.js";
import { safeEqual } from "../signatures.js";

type TelegramConfig = Extract<AdapterContext["config"], { platform: "telegram" }>;

/** Telegram's limit for one message's text (after entity parsing; escapes count before it, so we stay under). */
const TELEGRAM_MAX = 4096;
/** Characters MarkdownV2 reserves (core.telegram.org/bots/api#markdownv2-style); each is escaped with `\`. */
const MARKDOWN_V2_RESERVED = /[_*[\]()~`>#+\-=|{}.!\\]/g;

export function escapeMarkdownV2(text: string): string {
  return text.replace(MARKDOWN_V2_RESERVED, (c) => `\\${c}`);
}

function received(message: Message | undefined): ReceivedMessage | undefined {
  if (!message?.text || !message.from || message.from.is_bot) return undefined;
  const name = [message.from.first_name, message.from.last_name].filter(Boolean).join(" ");
  return {
    chatId: String(message.chat.id),
    ...(message.is_topic_message && message.message_thread_id !== undefined
      ? { threadId: String(message.message_thread_id) }
      : {}),
    senderId: String(message.from.id),
    ...(message.from.username || name ? { senderName: message.from.username ?? name } : {}),
    text: message.text,
  };
}

/** grammY's errors as the outbox understands them: 429 waits, other 4xx are final. */
function deliveryError(error: unknown): Error {
  if (error instanceof GrammyError) {
    if (error.error_code === 429)
      return new RetryAfterError((error.parameters.retry_after ?? 1) * 1000, error.description);
    if (error.error_code >= 400 && error.error_code < 500)
      return new PermanentDeliveryError(error.description);
  }
  if (error instanceof HttpError) return new Error(`telegram unreachable: ${error.message}`);
  return error as Error;
}

/** Telegram through grammY: long polling (getUpdates) or webhook intake, sendMessage in MarkdownV2. */
export function createTelegramAdapter(context: AdapterContext): ChannelAdapter {
  const config = context.config as TelegramConfig;
  const bot = new Bot(config.bot_token, {
    client: { ...(config.api_root ? { apiRoot: config.api_root.replace(/\/+$/, "") } : {}) },
  });
  const webhook = config.mode === "webhook";
  let polling: Promise<void> | undefined;
  const threadOf = (target: ChannelTarget) =>
    target.threadId ? { message_thread_id: Number(target.threadId) } : {};

  return {
    receive: webhook ? "webhook" : "polling",
    idempotentSend: false,
    parts: (text) => {
      // Split the raw text so that no part, escaped, exceeds the limit (an escape is never cut in two).
      const out: string[] = [];
      for (const piece of splitText(text, TELEGRAM_MAX / 2)) {
        const escaped = escapeMarkdownV2(piece);
        if (escaped.length <= TELEGRAM_MAX) out.push(escaped);
        else for (const half of splitText(piece, TELEGRAM_MAX / 4)) out.push(escapeMarkdownV2(half));
      }
      return out;
    },
    async start(onMessage) {
      await bot.init();
      if (webhook) return;
      bot.on("message:text", (ctx) => {
        const message = received(ctx.message);
        if (message) onMessage(message);
      });
      bot.catch((error) => context.logger.warn({ msg: "telegram update failed", error: error.message }));
      let started!: () => void;
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      polling = bot
        .start({ onStart: () => started(), allowed_updates: ["message"] })
        .catch((error: Error) => {
          context.logger.error({
            msg: "telegram polling stopped",
            channel: context.name,
            error: error.message,
          });
        });
      await Promise.race([running, polling]);
    },
    async stop() {
      if (bot.isRunning()) await bot.stop();
      await polling;
    },
    async send(target, part) {
      try {
        const sent = await bot.api.sendMessage(target.chatId, part, {
          parse_mode: "MarkdownV2",
          ...threadOf(target),
        });
        return String(sent.message_id);
      } catch (error) {
        throw deliveryError(error);
      }
    },
    async edit(target, messageId, part) {
      try {
        await bot.api.editMessageText(target.chatId, Number(messageId), part, { parse_mode: "MarkdownV2" });
      } catch (error) {
        // Telegram refuses an edit that changes nothing; the message already shows this text.
        if (error instanceof GrammyError && error.description.includes("message is not modified")) return;
        throw deliveryError(error);
      }
    },
    async intake(request: ChannelIntakeRequest): Promise<IntakeResult> {
      if (!webhook)
        return refuse(409, "CHANNEL_NOT_WEBHOOK", "this Telegram channel receives by long polling");
      const presented = header(request, "x-telegram-bot-api-secret-token");
      if (!config.webhook_secret || !presented || !safeEqual(presented, config.webhook_secret))
        return refuse(401, "INVALID_SIGNATURE", "X-Telegram-Bot-Api-Secret-Token is missing or wrong");
      let update: Update;
      try {
        update = JSON.parse(request.body) as Update;
      } catch {
        return refuse(400, "INVALID_JSON", "the body is not a Telegram Update (JSON)");
      }
      const message = received(update.message);
      return accepted(message ? [message] : []);
    },
    async test() {
      try {
        const me = await bot.api.getMe();
        return `@${me.username}`;
      } catch (error) {
        throw deliveryError(error);
      }
    },
  };
}
