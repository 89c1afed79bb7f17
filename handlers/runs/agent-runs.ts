import { z } from "@hono/zod-openapi";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "my-agent" }),
});
const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

export const SpawnSchema = z
  .object({
    prompt: z.string().min(1, "must not be empty").max(1_000_000),
    workdir: z.string().openapi({ description: "Absolute, existing directory the agent may use" }),
    session_id: idSchema
      .optional()
      .openapi({ description: "Continue this session (resumes the executor's own)" }),
  })
  .strict()
  .openapi("SpawnRequest");

/** /api/agent/:id/spawn and /stop: start an agent's executor in a workdir, and stop it. */
export const agentRunsRouter = createRouter()
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/spawn",
      operationId: "spawnAgent",
      tags: ["Runs"],
      summary: "Start the agent's executor on a prompt; events stream on /api/events and /ws",
      request: { params: IdParams, query: ScopeQuery, body: jsonBody(SpawnSchema) },
      responses: {
        200: jsonContent(
          z.object({ success: z.boolean(), session_id: z.string(), run_id: z.string(), pid: z.number() }),
          "Started",
        ),
        ...errorResponses(400, 402, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const agent = await findRunnableAgent(services, id, workspacePath);
      const workdir = await resolveWorkdir(
        services,
        agent,
        body.workdir,
        c.get("gatewayConfig").workdirRoots,
      );
      const run = await runs.start({
        agent,
        prompt: body.prompt,
        workdir,
        sessionId: body.session_id,
        source: "spawn",
      });
      return c.json({ success: true, session_id: run.sessionId, run_id: run.runId, pid: run.pid }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/stop",
      operationId: "stopAgent",
      tags: ["Runs"],
      summary: "Stop a session's run: interrupt, then terminate and kill its whole process tree",
      request: { params: IdParams, body: jsonBody(z.object({ session_id: idSchema }).strict()) },
      responses: {
        200: jsonContent(
          z.object({
            success: z.boolean(),
            stopped: z.boolean().openapi({ description: "false when nothing ran" }),
          }),
          "Stopped",
        ),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const runs = requireCapability(services, "runs");
      const { session_id } = c.req.valid("json");
      const session = await services.sessions?.find(session_id);
      if (session && session.agent_id !== c.req.valid("param").id) {
        return c.json({ success: false, stopped: false }, 200);
      }
      const stopped = await runs.stop(session_id);
      return c.json({ success: true, stopped }, 200);
    },
  );
