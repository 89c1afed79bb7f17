import { z } from "@hono/zod-openapi";
import { type ChannelRoute, ChannelRouteSchema } from "../../storage/channel-routes.js";
import { MAX_TEXT_PATTERN_LENGTH } from "../../storage/rules/channel-match.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { validationError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  accessStores,
  dropUndefined,
  operationId,
  PositionSchema,
  platformId,
  RuleRefParamsSchema,
  ruleRef,
  type Spelling,
  SubjectSchema,
  subjectOf,
} from "./access-requests.js";

const field = (description: string) => z.string().optional().openapi({ description });

const NewRouteSchema = z
  .object({
    channel: field("Channel name, `*` wildcards (e.g. telegram-*)"),
    platform: field("telegram, slack, discord, webhook (`*` wildcards)"),
    chat_id: platformId("Chat id (`*` wildcards)"),
    chat: platformId("Alias of chat_id"),
    sender_id: platformId("Sender's platform user id (`*` wildcards)"),
    sender: platformId("Alias of sender_id"),
    text_pattern: field(
      `A regular expression the message text must match (at most ${MAX_TEXT_PATTERN_LENGTH} characters, no nested quantifiers)`,
    ),
    pattern: field("OpenVesper's `channel:identity` pattern with `*` wildcards"),
    agent_id: platformId("The agent that answers (required; OpenVesper: agent)"),
    agent: platformId("OpenVesper's name for agent_id"),
    workspace_path: field("Workspace the agent runs in (absolute path)"),
    workspace: field("Alias of workspace_path"),
    priority: z
      .number()
      .int()
      .optional()
      .openapi({ description: "OpenVesper's: higher wins over list order" }),
    label: field("A human label"),
    position: PositionSchema,
  })
  .loose()
  .openapi("NewChannelRoute");

const RouteSchema = z
  .object({
    id: z.string(),
    index: z.number().int().openapi({ description: "Position in the list (0 = first)" }),
    agent_id: z.string(),
    agent: z.string().openapi({ description: "Same as agent_id (OpenVesper)" }),
    channel: z.string().optional(),
    platform: z.string().optional(),
    chat_id: z.string().optional(),
    sender_id: z.string().optional(),
    text_pattern: z.string().optional(),
    pattern: z.string().optional(),
    workspace_path: z.string().optional(),
    priority: z.number().optional(),
    label: z.string().optional(),
    created_at: z.string().optional(),
  })
  .loose()
  .openapi("ChannelRoute");

const ResolutionSchema = z
  .object({
    matched: z.boolean().openapi({ description: "false: no rule matched, the default agent answers" }),
    agent_id: z.string().nullable().openapi({ description: "The agent that would answer; null when none" }),
    agent: z.string().nullable().openapi({ description: "Same as agent_id (OpenVesper)" }),
    workspace_path: z.string().optional(),
    rule: RouteSchema.nullable(),
    index: z.number().int().nullable(),
    default: z.boolean().openapi({ description: "The agent is the default agent (no rule matched)" }),
    reason: z.string(),
  })
  .openapi("ChannelRouteResolution");

const AddedRouteSchema = RouteSchema.extend({ ok: z.literal(true) });

function routeView(route: ChannelRoute) {
  return { ...route, agent: route.agent_id };
}

/** `/api/channel-routes` and OpenVesper's `/channel-routes`: ordered rules that pick the agent for a message. */
export function createChannelRoutesRouter(spelling: Spelling) {
  const refParam = spelling === "api" ? "id" : "index";
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/",
        operationId: operationId(spelling, "listChannelRoutes"),
        tags: ["Channel access"],
        summary: "List the channel routes in order (first match wins; a higher priority first)",
        responses: {
          200: jsonContent(
            spelling === "api" ? z.object({ routes: z.array(RouteSchema) }) : z.array(RouteSchema),
            "The routes",
          ),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const routes = (await accessStores(c.get("services")).routes.list()).map(routeView);
        return c.json(spelling === "api" ? { routes } : routes, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/",
        operationId: operationId(spelling, "addChannelRoute"),
        tags: ["Channel access"],
        summary: "Add a channel route at a position (last when absent)",
        request: { body: jsonBody(NewRouteSchema) },
        responses: {
          200: jsonContent(AddedRouteSchema, "Added (OpenVesper's path)"),
          201: jsonContent(AddedRouteSchema, "Added (/api)"),
          ...errorResponses(422),
        },
      }),
      async (c) => {
        const body = c.req.valid("json") as z.infer<typeof NewRouteSchema>;
        const services = c.get("services");
        const rawWorkspace = body.workspace_path ?? body.workspace;
        // Checked as a run's workspace is (existing, inside workdir_roots), so a route never names another.
        const workspacePath =
          rawWorkspace === undefined ? undefined : await resolveWorkspacePath(services, rawWorkspace);
        const parsed = ChannelRouteSchema.safeParse(
          dropUndefined({
            channel: body.channel,
            platform: body.platform,
            chat_id: body.chat_id ?? body.chat,
            sender_id: body.sender_id ?? body.sender,
            text_pattern: body.text_pattern,
            pattern: body.pattern,
            agent_id: body.agent_id ?? body.agent,
            workspace_path: workspacePath,
            priority: body.priority,
            label: body.label,
          }),
        );
        if (!parsed.success) throw validationError(parsed.error, "json");
        const route = await accessStores(services).routes.add(parsed.data, body.position);
        return c.json({ ok: true as const, ...routeView(route) }, (spelling === "api" ? 201 : 200) as 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "post",
        path: "/resolve",
        operationId: operationId(spelling, "resolveChannelRoute"),
        tags: ["Channel access"],
        summary: "Which rule and agent a message would get (no rule matched: the default agent)",
        request: { body: jsonBody(SubjectSchema) },
        responses: { 200: jsonContent(ResolutionSchema, "The resolution"), ...errorResponses(422) },
      }),
      async (c) => {
        const services = c.get("services");
        const subject = subjectOf(c.req.valid("json"));
        if (subject.channel === undefined) {
          throw validationError(
            new z.ZodError([{ code: "custom", path: ["channel"], message: "is required", input: undefined }]),
            "json",
          );
        }
        const route = await accessStores(services).routes.resolve(subject);
        if (route) {
          return c.json(
            {
              matched: true,
              agent_id: route.agent_id,
              agent: route.agent_id,
              ...(route.workspace_path ? { workspace_path: route.workspace_path } : {}),
              rule: routeView(route),
              index: route.index,
              default: false,
              reason: `matched rule '${route.label ?? route.id}'`,
            },
            200,
          );
        }
        const fallback = await services.settings.defaultAgent(services.scopes.global());
        return c.json(
          {
            matched: false,
            agent_id: fallback,
            agent: fallback,
            rule: null,
            index: null,
            default: true,
            reason: fallback
              ? "no rule matched: the default agent answers"
              : "no rule matched and no default agent is set",
          },
          200,
        );
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "delete",
        path: `/{${refParam}}`,
        operationId: operationId(spelling, "deleteChannelRoute"),
        tags: ["Channel access"],
        summary: "Delete a channel route by index (digits) or by id",
        request: { params: RuleRefParamsSchema(refParam) },
        responses: {
          200: jsonContent(
            z.object({ removed: z.boolean(), route: RouteSchema.optional() }),
            "`removed: false` when no rule was at that index",
          ),
          ...errorResponses(404, 422),
        },
      }),
      async (c) => {
        const { routes } = accessStores(c.get("services"));
        const ref = ruleRef(c);
        const route = "index" in ref ? await routes.removeAt(ref.index) : await routes.removeById(ref.id);
        return c.json(route ? { removed: true, route: routeView(route) } : { removed: false }, 200);
      },
    );
}
