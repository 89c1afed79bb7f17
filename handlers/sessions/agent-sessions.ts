import { z } from "@hono/zod-openapi";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { SessionRecord } from "../../storage/sessions.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery, WorkspaceQuerySchema } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";
import { SessionSchema, sessionView } from "./session-views.js";

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

/** The session, which must belong to the agent in the path. */
async function agentSession(services: Services, agentId: string, sessionId: string): Promise<SessionRecord> {
  const { sessions } = requireSessions(services);
  const session = await sessions.find(sessionId);
  if (!session || session.agent_id !== agentId) {
    throw new ApiError(404, "SESSION_NOT_FOUND", `agent '${agentId}' has no session '${sessionId}'`, {
      agent_id: agentId,
      session_id: sessionId,
    });
  }
  return session;
}

/** /api/agent/:id/sessions: an agent's sessions, their messages and UI-ready turns. */
export const agentSessionsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions",
      operationId: "listAgentSessions",
      tags: ["Sessions"],
      summary: "List the agent's sessions, most recent first",
      request: { params: AgentParams, query: z.object({ limit: PageQuery.shape.limit }) },
      responses: {
        200: jsonContent(z.object({ sessions: z.array(SessionSchema), total: z.number() }), "Sessions"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const list = await sessions.list({
        agent_id: c.req.valid("param").id,
        limit: c.req.valid("query").limit,
      });
      const views = list.map((s) => sessionView(services, s));
      return c.json({ sessions: views, total: views.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions",
      operationId: "createAgentSession",
      tags: ["Sessions"],
      summary: "Create an empty session (the first spawn or chat on it starts the executor)",
      request: {
        params: AgentParams,
        query: WorkspaceQuerySchema.pick({ workspace_path: true }),
        body: jsonBody(
          z
            .object({ id: idSchema.optional(), title: z.string().max(200).optional(), workdir: z.string() })
            .strict(),
        ),
      },
      responses: { 201: jsonContent(SessionSchema, "The session"), ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const body = c.req.valid("json");
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const agent = await findRunnableAgent(services, c.req.valid("param").id, workspacePath);
      const workdir = await resolveWorkdir(
        services,
        agent,
        body.workdir,
        c.get("gatewayConfig").workdirRoots,
      );
      const session = await sessions.create({
        id: body.id,
        title: body.title,
        agent_id: agent.id,
        agent_source: agent.scope.kind,
        workspace_path: agent.scope.workspacePath,
        workdir,
        executor_type: agent.config.executor_type,
      });
      return c.json(sessionView(services, session), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}",
      operationId: "getAgentSession",
      tags: ["Sessions"],
      summary: "Get a session",
      request: { params: SessionParams },
      responses: { 200: jsonContent(SessionSchema, "The session"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      return c.json(sessionView(services, await agentSession(services, id, sid)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/{id}/sessions/{sid}",
      operationId: "deleteAgentSession",
      tags: ["Sessions"],
      summary: "Delete a session and its messages (stop it first if it runs)",
      request: { params: SessionParams },
      responses: {
        200: jsonContent(z.object({ success: z.boolean(), id: z.string() }), "Deleted"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      if (services.runs?.isRunning(sid)) {
        throw new ApiError(409, "SESSION_BUSY", `session '${sid}' is running; stop it first`, {
          session_id: sid,
        });
      }
      await requireSessions(services).sessions.delete(sid);
      return c.json({ success: true, id: sid }, 200);
    },
  )
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
      await agentSession(services, id, sid);
      const query = c.req.valid("query");
      const page = await requireSessions(services).sessions.listMessages(sid, {
        limit: query.limit ?? 50,
        before: query.before,
        after: query.after,
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{sid}/messages",
      operationId: "addAgentSessionMessage",
      tags: ["Sessions"],
      summary: "Add a message to the transcript (does not run the agent; use spawn or /api/chat for that)",
      request: {
        params: SessionParams,
        body: jsonBody(
          z
            .object({
              role: z.enum(["user", "assistant", "system"]),
              content: z.string().max(1_000_000),
            })
            .strict(),
        ),
      },
      responses: { 201: jsonContent(MessageSchema, "The stored message"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      const [message] = await requireSessions(services).sessions.appendMessages(sid, [c.req.valid("json")]);
      return c.json(message!, 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{sid}/ui-messages",
      operationId: "listAgentSessionUiMessages",
      tags: ["Sessions"],
      summary: "User and assistant turns with tool calls folded in, for rendering",
      request: { params: SessionParams },
      responses: {
        200: jsonContent(z.object({ messages: z.array(z.record(z.string(), z.unknown())) }), "Turns"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      return c.json({ messages: await requireSessions(services).sessions.uiMessages(sid) }, 200);
    },
  );
