import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AccessRuleRepository } from "../../storage/access-rules.js";
import { ChannelRouteRepository } from "../../storage/channel-routes.js";
import { invalid } from "../../storage/errors.js";
import { PairingRepository } from "../../storage/pairing.js";
import type { RuleSubject } from "../../storage/rules/channel-match.js";
import type { AppEnv, Services } from "../context.js";

/**
 * These route groups answer twice: under `/api/...` in this gateway's shapes and at OpenVesper's literal
 * root paths (`/channel-routes`, `/access`, `/pairing`) in its shapes; each spelling has its own
 * operationIds so the OpenAPI document lists both.
 */
export type Spelling = "api" | "root";

export function operationId(spelling: Spelling, name: string): string {
  return spelling === "api" ? name : `${name}OpenVesper`;
}

/** The repositories over the global data folder; they keep no state of their own, so one per call is fine. */
export function accessStores(services: Pick<Services, "scopes" | "clock">) {
  const store = services.scopes.global().store;
  const now = () => services.clock.now();
  return {
    routes: new ChannelRouteRepository(store, now),
    access: new AccessRuleRepository(store, now),
    pairing: new PairingRepository(store, now),
  };
}

/**
 * A platform id (sender, chat, agent; `*` wildcards where a rule takes a pattern): ids elsewhere in the
 * gateway name files, so the same hostile shapes are refused here too (path separators, `:`, `..`,
 * control characters), whatever the platform.
 */
export const platformId = (description: string) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(256)
    .refine((value) => !/\.\.|[/\\:\u0000-\u001f\u007f]/u.test(value), {
      message: "must not contain '/', '\\', ':', '..' or control characters",
    })
    .optional()
    .openapi({ description });

const text = (description: string) => z.string().min(1).max(4096).optional().openapi({ description });

/**
 * Who is asking, for /resolve and /check: a channel message (channel, platform, chat, sender, text) or an
 * API caller (`api_key`, a key's name). OpenVesper's `identity` is the sender and `agent` the agent.
 */
export const SubjectSchema = z
  .object({
    channel: text("Channel name (e.g. telegram-main; OpenVesper: telegram)"),
    platform: text("telegram, slack, discord, webhook"),
    chat_id: platformId("Chat / channel / conversation id on the platform"),
    chat: platformId("Alias of chat_id"),
    sender_id: platformId("The sender's platform user id"),
    sender: platformId("Alias of sender_id"),
    identity: platformId("OpenVesper's name for sender_id"),
    text: z.string().max(100_000).optional().openapi({ description: "The message text (text patterns)" }),
    api_key: text("An API key's name (as in gateway.yaml), for API callers"),
    agent_id: platformId("The agent asked for (access checks)"),
    agent: platformId("OpenVesper's name for agent_id"),
  })
  .loose();

export function subjectOf(body: z.infer<typeof SubjectSchema>): RuleSubject {
  const subject: RuleSubject = {
    channel: body.channel,
    platform: body.platform,
    chat_id: body.chat_id ?? body.chat,
    sender_id: body.sender_id ?? body.sender ?? body.identity,
    text: body.text,
    api_key: body.api_key,
    agent_id: body.agent_id ?? body.agent,
  };
  return dropUndefined(subject) as RuleSubject;
}

/** The rule a path segment names: digits are a position (OpenVesper's DELETE by index), anything else an id. */
export function ruleRef(c: Context<AppEnv>): { index: number } | { id: string } {
  const value = c.req.param("index") ?? c.req.param("id") ?? "";
  if (/^\d+$/.test(value)) {
    const index = Number(value);
    if (!Number.isSafeInteger(index)) throw invalid("index", "is too large");
    return { index };
  }
  if (value.length === 0 || value.length > 200) throw invalid("id", "must be a rule id or an index");
  return { id: value };
}

export const RuleRefParamsSchema = (name: "index" | "id") =>
  z.object({
    [name]: z
      .string()
      .openapi({ param: { name, in: "path" }, description: "A position from 0, or a rule id", example: "0" }),
  });

export const PositionSchema = z
  .number()
  .int()
  .min(0)
  .optional()
  .openapi({ description: "Where the rule goes in the list (0 = first); last when absent" });

export function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
