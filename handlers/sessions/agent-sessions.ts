import { z } from "@hono/zod-openapi";
import { allowedWorkdirRoots, findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { acceptKnownFields, StrictQuerySchema, withWarnings } from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, limitQuery, WorkspaceQuerySchema } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";
import { agentSession, refuseWhileRunning, SessionSchema, sessionView } from "./session-views.js";

const AgentParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });
const SessionParams = AgentParams.extend({ sid: idSchema.openapi({ param: { name: "sid", in: "path" } }) });

const SessionCreateSchema = z.object({
  id: idSchema.optional(),
  session_id: idSchema.optional().openapi({ description: "Same as id (the original Viben field)" }),
  title: z.string().max(200).optional(),
  workdir: z.string().optional().openapi({
    description:
      "Where runs of the session work (default: workspace_path, else the agent's first allowed directory)",
  }),
  workspace_path: z.string().optional().openapi({
    description: "The workspace to find the agent in (as the query parameter), and the default workdir",
  }),
  prompt: z.string().max(1_000_000).optional().openapi({ description: "Kept on the session; titles it" }),
  task_id: idSchema.optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const SessionCreateBody = SessionCreateSchema.loose().openapi("SessionCreate", {
  description: "Unknown fields are ignored and listed in `warnings`",
});

const SessionPatchSchema = z.object({
  title: z.string().max(200).optional(),
  prompt: z.string().max(1_000_000).nullable().optional(),
  task_id: idSchema.nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional().openapi({
    description: "Replaces the session's metadata (null removes it)",
  }),
});
const SessionPatchBody = SessionPatchSchema.loose().openapi("SessionPatch", {
  description: "Unknown fields (and `status`, which the gateway keeps) are ignored and listed in `warnings`",
});

/** Fields the original clients send that this gateway has no place for. */
const IGNORED_SESSION_FIELDS = {
  agent_dir: "agents are found by id and workspace_path here; ignored",
  agent_path: "agents are found by id and workspace_path here; ignored",
  agent_config: "runs use the agent's stored configuration; ignored",
  status: "the gateway keeps the status (idle or running); ignored",
};

/** /api/agent/:id/sessions: an agent's sessions, their messages and UI-ready turns. */
export const agentSessionsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions",
      operationId: "listAgentSessions",
      tags: ["Sessions"],
      summary: "List the agent's sessions, most recent first",
      request: { params: AgentParams, query: z.object({ limit: limitQuery(50) }) },
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
        query: WorkspaceQuerySchema.pick({ workspace_path: true }).merge(StrictQuerySchema),
        body: jsonBody(SessionCreateBody),
      },
      responses: { 201: jsonContent(SessionSchema, "The session"), ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const { fields: body, warnings } = acceptKnownFields(
        c,
        SessionCreateSchema,
        c.req.valid("json"),
        IGNORED_SESSION_FIELDS,
      );
      const workspacePath = await resolveWorkspacePath(
        services,
        c.req.valid("query").workspace_path ?? body.workspace_path,
      );
      const agent = await findRunnableAgent(services, c.req.valid("param").id, workspacePath);
      const roots = c.get("gatewayConfig").workdirRoots;
      const requested =
        body.workdir ?? body.workspace_path ?? allowedWorkdirRoots(services, agent, roots)[0]!;
      const workdir = await resolveWorkdir(services, agent, requested, roots);
      const session = await sessions.create({
        id: body.id ?? body.session_id,
        title: body.title,
        prompt: body.prompt,
        task_id: body.task_id,
        metadata: body.metadata,
        agent_id: agent.id,
        agent_source: agent.scope.kind,
        workspace_path: agent.scope.workspacePath,
        workdir,
        executor_type: agent.config.executor_type,
      });
      return c.json(withWarnings(sessionView(services, session), warnings), 201);
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
      method: "patch",
      path: "/{id}/sessions/{sid}",
      operationId: "updateAgentSession",
      tags: ["Sessions"],
      summary: "Change a session's title, prompt, task or metadata",
      request: { params: SessionParams, query: StrictQuerySchema, body: jsonBody(SessionPatchBody) },
      responses: { 200: jsonContent(SessionSchema, "The session"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      const { fields, warnings } = acceptKnownFields(
        c,
        SessionPatchSchema,
        c.req.valid("json"),
        IGNORED_SESSION_FIELDS,
      );
      const updated = await requireSessions(services).sessions.update(sid, fields);
      return c.json(withWarnings(sessionView(services, updated), warnings), 200);
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
        200: jsonContent(
          z.object({ success: z.boolean(), id: z.string(), deleted: z.string(), agent_id: z.string() }),
          "Deleted",
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, sid } = c.req.valid("param");
      await agentSession(services, id, sid);
      refuseWhileRunning(services, sid);
      await requireSessions(services).sessions.delete(sid);
      return c.json({ success: true, id: sid, deleted: sid, agent_id: id }, 200);
    },
  );
