import { z } from "@hono/zod-openapi";
import { canonicalExecutorId, type ExecutorId } from "../../storage/executor-types.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { SessionSchema, sessionView } from "../sessions/session-views.js";
import { NativeMessageSchema, NativeSessionSchema } from "./executor-session-schemas.js";
import { importNativeSession } from "./native-session-import.js";

const ExecutorParams = z.object({
  id: z.string().openapi({ param: { name: "id", in: "path" }, example: "CLAUDE_CODE" }),
});
const NativeSessionParams = ExecutorParams.extend({
  session_id: z.string().openapi({ param: { name: "session_id", in: "path" } }),
});

const pageQuery = (fallback: number) => ({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: `At most this many (1-1000, default ${fallback})` }),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ type: "integer", description: "Skip this many (default 0)" }),
});

const ListQuery = z.object({
  workspace_path: z
    .string()
    .optional()
    .openapi({ description: "Only sessions that ran in this directory (absolute)" }),
  ...pageQuery(50),
});

const pageFields = {
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  next_offset: z
    .number()
    .int()
    .nullable()
    .openapi({ description: "The offset of the next page; null on the last" }),
};

const ListAnswer = z.object({
  executor_type: z.string(),
  sessions: z.array(NativeSessionSchema),
  ...pageFields,
});

/** The executor in the path, by id or alias (CURSOR), or 404. */
function executorOf(raw: string): ExecutorId {
  const id = canonicalExecutorId(raw);
  if (!id) throw new ApiError(404, "EXECUTOR_NOT_FOUND", `unknown executor '${raw}'`, { executor_id: raw });
  return id;
}

/** The listing's directory filter: a workspace path, checked as every listing's is (absolute, existing, allowed). */
async function filterPath(services: Services, raw: string | undefined): Promise<string | undefined> {
  return raw === undefined ? undefined : resolveWorkspacePath(services, raw);
}

const nextOffset = (offset: number, shown: number, total: number) =>
  offset + shown < total ? offset + shown : null;

/** A page of the executor's sessions, for both spellings of the listing. */
async function listPage(services: Services, rawId: string, query: z.infer<typeof ListQuery>) {
  const store = requireCapability(services, "nativeSessions");
  const executor = executorOf(rawId);
  const [offset, limit] = [query.offset ?? 0, query.limit ?? 50];
  const page = await store.list(executor, {
    workspacePath: await filterPath(services, query.workspace_path),
    offset,
    limit,
  });
  const next_offset = nextOffset(offset, page.sessions.length, page.total);
  return { executor_type: executor, ...page, offset, limit, next_offset };
}

const listRoute = (path: string, operationId: string, summary: string) =>
  defineRoute("viewer", {
    method: "get",
    path,
    operationId,
    tags: ["Executors"],
    summary,
    request: { params: ExecutorParams, query: ListQuery },
    responses: {
      200: jsonContent(ListAnswer, "A page of the executor's sessions"),
      ...errorResponses(400, 404, 501),
    },
  });

/**
 * The executors' own resources: the sessions each CLI logged in its data directory (Claude Code's
 * projects, Codex's rollouts), one session's messages, and importing one as a gateway session that
 * resumes it. `discover-sessions` is the original Viben gateway's spelling of the listing.
 */
export const executorSessionsRouter = createRouter()
  .openapi(
    listRoute("/{id}/sessions", "listExecutorSessions", "List the executor's own sessions, newest first"),
    async (c) =>
      c.json(await listPage(c.get("services"), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    listRoute(
      "/{id}/discover-sessions",
      "discoverExecutorSessions",
      "List the executor's own sessions (the original Viben spelling)",
    ),
    async (c) =>
      c.json(await listPage(c.get("services"), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{session_id}",
      operationId: "getExecutorSession",
      tags: ["Executors"],
      summary: "One of the executor's own sessions",
      request: { params: NativeSessionParams },
      responses: { 200: jsonContent(NativeSessionSchema, "The session"), ...errorResponses(400, 404, 501) },
    }),
    async (c) => {
      const store = requireCapability(c.get("services"), "nativeSessions");
      const { id, session_id } = c.req.valid("param");
      return c.json((await store.read(executorOf(id), session_id)).summary, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/sessions/{session_id}/messages",
      operationId: "listExecutorSessionMessages",
      tags: ["Executors"],
      summary: "Messages of one of the executor's own sessions, oldest first",
      request: {
        params: NativeSessionParams,
        query: z.object({
          workspace_path: z
            .string()
            .optional()
            .openapi({ description: "Accepted for the original clients; the id alone finds the session" }),
          ...pageQuery(1000),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            executor_type: z.string(),
            session_id: z.string(),
            messages: z.array(NativeMessageSchema),
            ...pageFields,
          }),
          "A page of messages",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const store = requireCapability(c.get("services"), "nativeSessions");
      const { id, session_id } = c.req.valid("param");
      const query = c.req.valid("query");
      await filterPath(c.get("services"), query.workspace_path);
      const executor = executorOf(id);
      const { messages: all } = await store.read(executor, session_id);
      const [offset, limit] = [query.offset ?? 0, query.limit ?? 1000];
      const messages = all.slice(offset, offset + limit);
      return c.json(
        {
          executor_type: executor,
          session_id,
          messages,
          total: all.length,
          offset,
          limit,
          next_offset: nextOffset(offset, messages.length, all.length),
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/sessions/{session_id}/import",
      operationId: "importExecutorSession",
      tags: ["Executors"],
      summary: "Import one of the executor's own sessions as a gateway session that resumes it",
      request: {
        params: NativeSessionParams,
        body: jsonBody(
          z
            .object({
              agent_id: idSchema
                .optional()
                .openapi({ description: "An agent running this executor (default: the executor id itself)" }),
              workspace_path: z.string().optional().openapi({ description: "Where to look the agent up" }),
              id: idSchema.optional().openapi({ description: "The gateway session id to use" }),
              title: z.string().max(200).optional(),
              workdir: z.string().optional().openapi({
                description:
                  "The directory the session ran in, for logs that do not record it (Gemini CLI); checked against the log",
              }),
            })
            .loose(),
        ),
      },
      responses: {
        200: jsonContent(SessionSchema, "Imported before: the gateway session made then"),
        201: jsonContent(
          SessionSchema.extend({ imported_messages: z.number().int() }),
          "The new gateway session (native_session_id set)",
        ),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const store = requireCapability(services, "nativeSessions");
      const { id, session_id } = c.req.valid("param");
      const body = c.req.valid("json");
      const executor = executorOf(id);
      const workspacePath = await resolveWorkspacePath(services, body.workspace_path);
      const native = await store.read(executor, session_id, { cwd: body.workdir });
      const result = await importNativeSession(services, {
        executor,
        native,
        agentId: body.agent_id,
        workspacePath,
        id: body.id,
        title: body.title,
        workdirRoots: c.get("gatewayConfig").workdirRoots,
      });
      const view = sessionView(services, result.session);
      return result.created
        ? c.json({ ...view, imported_messages: result.imported_messages }, 201)
        : c.json(view, 200);
    },
  );
