import { z } from "@hono/zod-openapi";
import { notSupported } from "../../storage/errors.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses } from "../lib/schemas.js";

const NameParams = z.object({ name: idSchema.openapi({ param: { name: "name", in: "path" } }) });

/**
 * POST /api/channels/{name}/events: where platforms deliver messages (Telegram webhook mode, Slack's
 * Events API, Discord's interactions endpoint, a signed generic webhook). Public: platforms send no
 * gateway key; each request is authenticated by its platform's signature instead (checked by the
 * channel's adapter), so it is mounted ahead of the security middleware.
 */
export const channelIntakeRouter = createRouter().openapi(
  defineRoute("public", {
    method: "post",
    path: "/{name}/events",
    operationId: "receiveChannelEvent",
    tags: ["Channels"],
    summary: "Platform intake: a signed request from Telegram, Slack, Discord or a webhook sender",
    "x-auth":
      "the platform's signature: X-Telegram-Bot-Api-Secret-Token, X-Slack-Signature, X-Signature-Ed25519, X-Viben-Signature",
    request: {
      params: NameParams,
      body: {
        required: true,
        content: {
          "application/json": { schema: z.record(z.string(), z.unknown()).openapi("ChannelEvent") },
        },
      },
    },
    responses: {
      200: {
        description: "Accepted (Slack url_verification: {challenge}; Discord: an interaction response)",
        content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
      },
      ...errorResponses(400, 401, 404, 409, 501),
    },
  }),
  async (c) => {
    const services = c.get("services");
    if (!services.channels) throw notSupported(`channels are not available on ${services.runtime}`);
    const { name } = c.req.valid("param");
    // The signature covers the bytes as sent, so the body is read as text, not through the JSON validator.
    const body = await c.req.text();
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const answer = await services.channels.intake(name, { headers, body });
    return c.json(answer.body as Record<string, unknown>, answer.status as 200);
  },
);
