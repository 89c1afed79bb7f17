import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import type { SessionMessage } from "../../storage/sessions.js";
import { createRouter } from "../lib/app-factory.js";
import {
  acceptKnownFields,
  type InputWarning,
  StrictQuerySchema,
  withWarnings,
} from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { isOriginalSpelling } from "../lib/route-alias.js";
import { errorResponses, jsonBody, jsonContent, limitQuery } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";
import { agentSession, refuseWhileRunning } from "./session-views.js";

const AgentParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });
const SessionParams = AgentParams.extend({ sid: idSchema.openapi({ param: { name: "sid", in: "path" } }) });

const MessageSchema = z
  .object({
    id: z.string(),
    seq: z.number().optional(),
    session_id: z.string(),
    run_id: z.string().optional(),
    role: z.enum(["user", "assistant", "tool", "system"]),
    content: z.string(),
    timestamp: z.string(),
    tool_result: z.record(z.string(), z.unknown()).optional().openapi({
      description: "On tool messages: {tool_use_id, tool_name, content, is_error} (the original's field)",
    }),
  })
  .loose()
  .openapi("Message");

const PageQuery = z.object({
  limit: limitQuery(50),
  before: z
    .string()
    .optional()
    .openapi({ description: "Cursor: the page before this point (newest first paging)" }),
  after: z.string().optional().openapi({ description: "Cursor: the page after this point" }),
});

const ToolCallsSchema = z.array(z.looseObject({ id: z.string(), name: z.string(), input: z.unknown() }));

const MessageInputSchema = z.object({
  role: z.enum(["user", "assistant", "system"]),
  content: z.string().max(1_000_000),
  tool_calls: z
    .unknown()
    .optional()
    .openapi({ description: "A list of {id, name, input}; kept when it is one" }),
  tool_result: z.record(z.string(), z.unknown()).optional().openapi({ description: "Kept as written" }),
});
const MessageInputBody = MessageInputSchema.loose().openapi("MessageInput", {
  description: "Unknown fields are ignored and listed in `warnings`",
});

const UiQuery = z.object({
  format: z.enum(["turns", "blocks"]).optional().openapi({
    description:
      "turns (default here): user and assistant turns with tool calls folded in; blocks: the original Viben's typed blocks (the default at /api/agents/...)",
  }),
});

/** The original's `tool_result` on a tool message: what the tool answered, for which call. */
function messageView(message: SessionMessage) {
  if (message.role !== "tool" || message.tool_result !== undefined) return message;
  return {
    ...message,
    tool_result: {
      tool_use_id: message.tool_use_id ?? null,
      tool_name: message.tool_name ?? null,
      content: message.content,
      is_error: message.is_error ?? false,
    },
  };
}

/** /api/agent/:id/sessions/:sid/messages and /ui-messages: a session's transcript, read, added to, cleared. */
export const agentSessionMessagesRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "listAgentSessionMessages",
      tags: ["Sessions"],
      summary: "Messages in order, a page at a time (the newest page by default; cursors page back or forth)",
      request: { params: SessionParams, query: PageQuery },
      responses: {
        200: jsonContent(
          z.object({
            messages: z.array(MessageSchema),
            total: z.number().int().openapi({ description: "Messages in the whole session" }),
            next_cursor: z.string().nullable().optional(),
            prev_cursor: z.string().nullable().optional(),
          }),
          "A page of messages",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      const session = await agentSession(services, id, sid);
      const query = c.req.valid("query");
      const page = await requireSessions(services).sessions.listMessages(sid, {
        limit: query.limit ?? 50,
        before: query.before,
        after: query.after,
      });
      return c.json({ ...page, messages: page.messages.map(messageView), total: session.message_count }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "addAgentSessionMessage",
      tags: ["Sessions"],
      summary: "Add a message to the transcript (does not run the agent; use spawn or /api/chat for that)",
      request: { params: SessionParams, query: StrictQuerySchema, body: jsonBody(MessageInputBody) },
      responses: { 201: jsonContent(MessageSchema, "The stored message"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      const accepted = acceptKnownFields(c, MessageInputSchema, c.req.valid("json"));
      const { tool_calls, ...fields } = accepted.fields;
      const warnings: InputWarning[] = [...accepted.warnings];
      const calls = tool_calls === undefined ? undefined : ToolCallsSchema.safeParse(tool_calls);
      if (calls && !calls.success) {
        warnings.push({ field: "tool_calls", message: "not a list of {id, name, input}; ignored" });
      }
      const [message] = await requireSessions(services).sessions.appendMessages(sid, [
        { ...fields, ...(calls?.success ? { tool_calls: calls.data } : {}) },
      ]);
      return c.json(withWarnings(messageView(message!), warnings), 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "clearAgentSessionMessages",
      tags: ["Sessions"],
      summary: "Clear the session's messages (the session stays; stop it first if it runs)",
      request: { params: SessionParams },
      responses: {
        200: jsonContent(
          z.object({ success: z.boolean(), id: z.string(), cleared: z.number().int() }),
          "Cleared: how many messages there were",
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      refuseWhileRunning(services, sid);
      const cleared = await requireSessions(services).sessions.clearMessages(sid);
      return c.json({ success: true, id: sid, cleared }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}/ui-messages",
      operationId: "listAgentSessionUiMessages",
      tags: ["Sessions"],
      summary: "User and assistant turns with tool calls folded in (or typed blocks), for rendering",
      request: { params: SessionParams, query: UiQuery },
      responses: {
        200: jsonContent(
          z.object({ messages: z.array(z.record(z.string(), z.unknown())), total: z.number().int() }),
          "Turns, or blocks of type user, text, tool_use, tool_result, thinking or error",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      const { sessions } = requireSessions(services);
      const format = c.req.valid("query").format ?? (isOriginalSpelling(c) ? "blocks" : "turns");
      const messages: object[] =
        format === "blocks" ? await sessions.uiBlocks(sid) : await sessions.uiMessages(sid);
      return c.json({ messages: messages as Record<string, unknown>[], total: messages.length }, 200);
    },
  );
