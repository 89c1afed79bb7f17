import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, DeliveryRecordSchema } from "../../storage/channel-outbox.js";
import { ChannelRepository } from "../../storage/channels.js";
import { invalid, notFound, notSupported } from "../../storage/errors.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { ChannelService } from "../capabilities/channels.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { ChannelViewSchema, channelView, PlatformSchema } from "./channel-views.js";

const NameParams = z.object({ name: idSchema.openapi({ param: { name: "name", in: "path" } }) });

/** Names that are path segments of /api/channels themselves. */
const RESERVED_NAMES = new Set(["deliveries"]);

const ChannelCreateSchema = z
  .object({
    name: idSchema.openapi({ description: "The channel's name, e.g. telegram-main" }),
    platform: PlatformSchema.optional(),
    type: PlatformSchema.optional().openapi({ description: "The original Viben's spelling of platform" }),
    channel_type: PlatformSchema.optional(),
    enabled: z.boolean().optional(),
    agent: z.string().min(1).max(200).optional(),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Platform settings (may also be given at the top level)" }),
  })
  .loose()
  .openapi("ChannelCreate", {
    description:
      "Telegram: bot_token, mode (polling|webhook), webhook_secret, api_root. Slack: bot_token, signing_secret, " +
      "api_url. Discord: bot_token, public_key, api_url. Webhook: url, secret, max_attempts. Any: agent, " +
      "workspace_path, chat_id (where runs naming only the channel deliver). Secrets may be ${ENV} references.",
  });

const ChannelPatchSchema = z
  .record(z.string(), z.unknown())
  .openapi("ChannelPatch", { description: "Settings to change; null removes one; `***` keeps a secret" });

const TestAnswerSchema = z
  .object({ name: z.string(), ok: z.boolean(), detail: z.string() })
  .openapi("ChannelTestResult");

const DeliveriesQuery = z.object({
  run_id: z.string().min(1).max(200).optional(),
  session_id: z.string().min(1).max(200).optional(),
  channel: z.string().min(1).max(200).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
});

const repos = new WeakMap<Services, ChannelRepository>();
function repoOf(services: Services): ChannelRepository {
  let repo = repos.get(services);
  if (!repo) {
    repo = new ChannelRepository(services.scopes.global());
    repos.set(services, repo);
  }
  return repo;
}

function requireChannels(services: Services): ChannelService {
  if (!services.channels) throw notSupported(`channels are not available on ${services.runtime}`);
  return services.channels;
}

/** Applies a config change to the running channels (where the runtime runs them). */
async function reload(services: Services): Promise<void> {
  await services.channels?.reload();
}

/** Create body → the settings stored: the platform under one name, `config` merged into the top level. */
function settingsOf(body: z.infer<typeof ChannelCreateSchema>): Record<string, unknown> {
  const { name: _name, type, channel_type, config, ...rest } = body;
  const platform = rest.platform ?? type ?? channel_type;
  if (!platform) throw invalid("platform", "required: one of telegram, slack, discord, webhook");
  return { ...(config ?? {}), ...rest, platform };
}

/** /api/channels: the messaging channels of ~/.viben/channels.yaml, with their live status. */
export const channelsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listChannels",
      tags: ["Channels"],
      summary: "List channels with their live status (secrets masked)",
      responses: {
        200: jsonContent(
          z.object({ channels: z.array(ChannelViewSchema), total: z.number().int() }),
          "Channels",
        ),
        ...errorResponses(422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const channels = (await repoOf(services).list()).map((e) => channelView(e, services.channels));
      return c.json({ channels, total: channels.length }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/deliveries",
      operationId: "listChannelDeliveries",
      tags: ["Channels"],
      summary: "List outbox deliveries (a run's delivery status: ?run_id= or ?session_id=)",
      request: { query: DeliveriesQuery },
      responses: {
        200: jsonContent(
          z.object({ deliveries: z.array(DeliveryRecordSchema), total: z.number().int() }),
          "Deliveries, oldest first",
        ),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const deliveries = await requireChannels(c.get("services")).deliveries(c.req.valid("query"));
      return c.json({ deliveries, total: deliveries.length }, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/",
      operationId: "createChannel",
      tags: ["Channels"],
      summary: "Add a channel to channels.yaml and start it",
      request: { body: jsonBody(ChannelCreateSchema) },
      responses: {
        201: jsonContent(ChannelViewSchema, "The created channel"),
        ...errorResponses(400, 409, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      if (RESERVED_NAMES.has(body.name)) throw invalid("name", `'${body.name}' is reserved`);
      const record = await repoOf(services).create(body.name, settingsOf(body));
      await reload(services);
      return c.json(channelView(record, services.channels), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{name}",
      operationId: "getChannel",
      tags: ["Channels"],
      summary: "Get a channel with its live status (secrets masked)",
      request: { params: NameParams },
      responses: { 200: jsonContent(ChannelViewSchema, "The channel"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      const entry = await repoOf(services).get(name);
      if (!entry) throw notFound("CHANNEL_NOT_FOUND", `channel '${name}' not found`, { name });
      return c.json(channelView(entry, services.channels), 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "patch",
      path: "/{name}",
      operationId: "updateChannel",
      tags: ["Channels"],
      summary: "Change a channel's settings (keys written by hand are kept) and restart it",
      request: { params: NameParams, body: jsonBody(ChannelPatchSchema) },
      responses: {
        200: jsonContent(ChannelViewSchema, "The updated channel"),
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { name: _ignored, ...patch } = c.req.valid("json");
      const record = await repoOf(services).update(c.req.valid("param").name, patch);
      await reload(services);
      return c.json(channelView(record, services.channels), 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "delete",
      path: "/{name}",
      operationId: "deleteChannel",
      tags: ["Channels"],
      summary: "Stop a channel and remove it from channels.yaml",
      request: { params: NameParams },
      responses: {
        200: jsonContent(z.object({ deleted: z.string() }), "Deleted"),
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      await repoOf(services).remove(name);
      await reload(services);
      return c.json({ deleted: name }, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/{name}/enable",
      operationId: "enableChannel",
      tags: ["Channels"],
      summary: "Enable a channel and start it",
      request: { params: NameParams },
      responses: { 200: jsonContent(ChannelViewSchema, "The channel"), ...errorResponses(400, 404, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const record = await repoOf(services).update(c.req.valid("param").name, { enabled: true });
      await reload(services);
      return c.json(channelView(record, services.channels), 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/{name}/disable",
      operationId: "disableChannel",
      tags: ["Channels"],
      summary: "Disable a channel and stop it",
      request: { params: NameParams },
      responses: { 200: jsonContent(ChannelViewSchema, "The channel"), ...errorResponses(400, 404, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const record = await repoOf(services).update(c.req.valid("param").name, { enabled: false });
      await reload(services);
      return c.json(channelView(record, services.channels), 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/{name}/test",
      operationId: "testChannel",
      tags: ["Channels"],
      summary: "Check a channel's credentials with its platform (sends no message)",
      request: { params: NameParams },
      responses: {
        200: jsonContent(TestAnswerSchema, "The platform's answer (ok false with the reason)"),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { name } = c.req.valid("param");
      const result = await requireChannels(services).test(name);
      return c.json({ name, ...result }, 200);
    },
  );
