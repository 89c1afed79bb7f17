import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { AgentSummarySchema, AvailabilityResolver, agentSummary } from "./agent-views.js";

const DefaultAgentSchema = z
  .object({
    agent_id: z.string().nullable(),
    source: z.enum(["global", "workspace"]).nullable(),
    agent: AgentSummarySchema.nullable(),
  })
  .openapi("DefaultAgent");

const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

/**
 * /api/agent/default: a workspace may name its own default agent in `<ws>/.viben/config.yaml`; otherwise
 * the global `~/.viben/config.yaml` applies.
 */
export const agentDefaultRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/default",
      operationId: "getDefaultAgent",
      tags: ["Agents"],
      summary: "Get the default agent",
      request: { query: ScopeQuery },
      responses: {
        200: jsonContent(DefaultAgentSchema, "The default agent (agent_id null when unset)"),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const ws = await resolveWorkspace(services, { workspace_path: c.req.valid("query").workspace_path });
      for (const scope of ws.scopes) {
        const agentId = await services.settings.defaultAgent(scope);
        if (!agentId) continue;
        const record = await services.agents.find(ws.scopes, agentId).catch(() => null);
        const agent = record
          ? await agentSummary(record, new AvailabilityResolver(services, ws.workspacePath, ws.scopes))
          : null;
        return c.json({ agent_id: agentId, source: scope.kind, agent }, 200);
      }
      return c.json({ agent_id: null, source: null, agent: null }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/default",
      operationId: "setDefaultAgent",
      tags: ["Agents"],
      summary: "Set the default agent (of a workspace when workspace_path is given)",
      request: { query: ScopeQuery, body: jsonBody(z.object({ agent_id: idSchema }).strict()) },
      responses: {
        200: jsonContent(DefaultAgentSchema, "The default agent"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const ws = await resolveWorkspace(services, { workspace_path: c.req.valid("query").workspace_path });
      const { agent_id } = c.req.valid("json");
      const record = await services.agents.get(ws.scopes, agent_id);
      await services.settings.setDefaultAgent(ws.scope, agent_id);
      const agent = await agentSummary(
        record,
        new AvailabilityResolver(services, ws.workspacePath, ws.scopes),
      );
      return c.json({ agent_id, source: ws.scope.kind, agent }, 200);
    },
  );
