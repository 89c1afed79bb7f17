import type { InboundMessage } from "../../handlers/capabilities/channel-gate.js";
import type { ChannelIntakeAnswer, ChannelIntakeRequest } from "../../handlers/capabilities/channels.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ChannelConfig } from "../../storage/channels.js";

/** Where a message goes on a platform. */
export interface ChannelTarget {
  chatId: string;
  threadId?: string;
}

/** The inbound message an adapter produces (the channel name and platform are added by the manager). */
export type ReceivedMessage = Omit<InboundMessage, "channel" | "platform">;

export interface IntakeResult {
  answer: ChannelIntakeAnswer;
  messages: ReceivedMessage[];
}

export interface AdapterContext {
  name: string;
  /** The channel's settings with `${ENV}` references expanded. */
  config: ChannelConfig;
  logger: Logger;
  now: () => number;
}

/**
 * One messaging platform (one file per platform under adapters/, like unstorage's drivers). Sending is
 * one call per part: the outbox records each accepted part, so a split message is never sent twice.
 */
export interface ChannelAdapter {
  /** How receiving works: `polling`, `webhook` (intake route) or `send-only`. */
  readonly receive: "polling" | "webhook" | "send-only";
  /**
   * True when resending an attempt whose outcome a crash hid cannot make a duplicate (the platform or the
   * receiver deduplicates by the idempotency key). Otherwise such a delivery is left `uncertain`.
   */
  readonly idempotentSend: boolean;
  /** Cuts a text into the parts the platform accepts, formatted (escaped) as they will be sent. */
  parts(text: string): string[];
  /** Starts receiving (long polling); resolves once connected, rejects when the platform refuses. */
  start(onMessage: (message: ReceivedMessage) => void): Promise<void>;
  stop(): Promise<void>;
  /** Sends one part; resolves with the platform's message id. */
  send(target: ChannelTarget, part: string, idempotencyKey: string): Promise<string>;
  /** Replaces a sent message's text, where the platform allows it. */
  edit?(target: ChannelTarget, messageId: string, part: string): Promise<void>;
  /** Verifies and answers a platform request to the intake route. */
  intake(request: ChannelIntakeRequest): Promise<IntakeResult>;
  /** Checks the credentials with the platform; resolves with who they belong to. */
  test(): Promise<string>;
}

/** The platform asked to wait (HTTP 429): the next attempt comes after `retryAfterMs`. */
export class RetryAfterError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = `rate limited: retry after ${retryAfterMs} ms`,
  ) {
    super(message);
    this.name = "RetryAfterError";
  }
}

/** A refusal no retry can change (bad token, unknown chat): the delivery fails at once. */
export class PermanentDeliveryError extends Error {
  override name = "PermanentDeliveryError";
}

/** A refused platform request, in the gateway's error envelope (error, code, details). */
export const refuse = (
  status: number,
  code: string,
  error: string,
  details: Record<string, unknown> = {},
): IntakeResult => ({
  answer: { status, body: { error, code, details } },
  messages: [],
});

export const accepted = (messages: ReceivedMessage[], body: unknown = { ok: true }): IntakeResult => ({
  answer: { status: 200, body },
  messages,
});

/** Case-insensitive header lookup on the intake request. */
export function header(request: ChannelIntakeRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(request.headers)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Cuts text into pieces of at most `limit` characters, preferring line breaks, never inside a code point. */
export function splitText(text: string, limit: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [""];
  const parts: string[] = [];
  let start = 0;
  while (start < chars.length) {
    let end = Math.min(start + limit, chars.length);
    if (end < chars.length) {
      const newline = chars.lastIndexOf("\n", end - 1);
      if (newline > start + limit / 2) end = newline + 1;
    }
    parts.push(chars.slice(start, end).join(""));
    start = end;
  }
  return parts;
}
