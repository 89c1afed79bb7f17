import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import {
  acceptKnownFields,
  InputWarningSchema,
  StrictQuerySchema,
  withWarnings,
} from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { AgentSummarySchema, AvailabilityResolver, agentSummary } from "./agent-views.js";

const DefaultAgentSchema = z
  .object({
    agent_id: z.string().nullable(),
    default_agent_id: z
      .string()
      .nullable()
      .openapi({ description: "Same as agent_id (the original Viben field)" }),
    source: z.enum(["global", "workspace"]).nullable(),
    agent: AgentSummarySchema.nullable(),
    success: z
      .boolean()
      .optional()
      .openapi({ description: "true on a successful PUT (the original's answer)" }),
    warnings: z.array(InputWarningSchema).optional(),
  })
  .openapi("DefaultAgent");

const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });
const DefaultBody = z.object({ agent_id: idSchema });

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
        return c.json({ agent_id: agentId, default_agent_id: agentId, source: scope.kind, agent }, 200);
      }
      return c.json({ agent_id: null, default_agent_id: null, source: null, agent: null }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/default",
      operationId: "setDefaultAgent",
      tags: ["Agents"],
      summary: "Set the default agent (of a workspace when workspace_path is given)",
      request: { query: ScopeQuery.merge(StrictQuerySchema), body: jsonBody(DefaultBody.loose()) },
      responses: {
        200: jsonContent(DefaultAgentSchema, "The default agent"),
        ...errorResponses(400, 404, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const ws = await resolveWorkspace(services, { workspace_path: c.req.valid("query").workspace_path });
      const { fields, warnings } = acceptKnownFields(c, DefaultBody, c.req.valid("json"));
      const { agent_id } = fields;
      const record = await services.agents.get(ws.scopes, agent_id);
      await services.settings.setDefaultAgent(ws.scope, agent_id);
      const agent = await agentSummary(
        record,
        new AvailabilityResolver(services, ws.workspacePath, ws.scopes),
      );
      const answer = { success: true, agent_id, default_agent_id: agent_id, source: ws.scope.kind, agent };
      return c.json(withWarnings(answer, warnings), 200);
    },
  );
