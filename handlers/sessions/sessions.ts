import { z } from "@hono/zod-openapi";
import { normalizeAbsolutePath, pathProblem } from "../../storage/rules/paths.js";
import { registeredNameToPath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError, badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, limitQuery } from "../lib/schemas.js";
import { requireSessions } from "../runs/run-requests.js";
import { SessionSchema, sessionView } from "./session-views.js";

/** /api/sessions: every session across agents (Ryvos), and one session with its latest messages. */
export const sessionsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listSessions",
      tags: ["Sessions"],
      summary:
        "Recent sessions, most recent first; filter by agent or workspace (a path or a registered name)",
      request: {
        query: z.object({
          agent_id: idSchema.optional(),
          workspace_path: z.string().optional(),
          limit: limitQuery(100),
        }),
      },
      responses: {
        200: jsonContent(z.object({ sessions: z.array(SessionSchema), total: z.number() }), "Sessions"),
        ...errorResponses(400, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const query = c.req.valid("query");
      let workspacePath: string | undefined;
      if (query.workspace_path !== undefined) {
        // A filter, not a place to work in: a registered name stands for its path, nothing else is checked.
        const raw = await registeredNameToPath(services, query.workspace_path);
        const problem = pathProblem(raw);
        if (problem)
          throw badRequest("INVALID_WORKSPACE_PATH", `workspace_path: ${problem}`, {
            field: "workspace_path",
          });
        workspacePath = normalizeAbsolutePath(raw);
      }
      const list = await sessions.list({
        agent_id: query.agent_id,
        workspace_path: workspacePath,
        limit: query.limit ?? 100,
      });
      const views = list.map((s) => sessionView(services, s));
      return c.json({ sessions: views, total: views.length }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getSession",
      tags: ["Sessions"],
      summary: "A session with its latest messages",
      request: { params: z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) }) },
      responses: {
        200: jsonContent(
          SessionSchema.extend({
            messages: z.array(z.record(z.string(), z.unknown())),
            next_cursor: z.string().nullable().optional(),
          }),
          "The session and its newest 100 messages",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { sessions } = requireSessions(services);
      const { id } = c.req.valid("param");
      const session = await sessions.find(id);
      if (!session)
        throw new ApiError(404, "SESSION_NOT_FOUND", `session '${id}' not found`, { session_id: id });
      const page = await sessions.listMessages(id, { limit: 100 });
      return c.json(
        { ...sessionView(services, session), messages: page.messages, next_cursor: page.prev_cursor ?? null },
        200,
      );
    },
  );
