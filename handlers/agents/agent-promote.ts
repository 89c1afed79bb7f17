import { z } from "@hono/zod-openapi";
import { stripUndefined } from "../../storage/agents.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { acceptKnownFields, StrictQuerySchema, withWarnings } from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { AgentDetailSchema, AvailabilityResolver, agentDetail } from "./agent-views.js";

const IdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "my-agent" }),
});

const PromoteSchema = z.object({
  workspace_path: z.string().openapi({ description: "The workspace the agent lives in" }),
  new_id: idSchema.optional().openapi({ description: "Id of the global copy (default: the same id)" }),
});
const PromoteBody = PromoteSchema.loose().openapi("AgentPromote");

/**
 * POST /api/agent/:id/promote (the original Viben's): copies a workspace agent, typically one marked as
 * a template, into the global scope so every workspace can use it. The workspace copy stays.
 */
export const agentPromoteRouter = createRouter().openapi(
  defineRoute("operator", {
    method: "post",
    path: "/{id}/promote",
    operationId: "promoteAgent",
    tags: ["Agent templates"],
    summary: "Copy a workspace agent (or template) into the global scope",
    request: { params: IdParams, query: StrictQuerySchema, body: jsonBody(PromoteBody) },
    responses: {
      201: jsonContent(AgentDetailSchema, "The global agent"),
      ...errorResponses(400, 404, 409, 501),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const { id } = c.req.valid("param");
    const { fields, warnings } = acceptKnownFields(c, PromoteSchema, c.req.valid("json"));
    const workspacePath = await resolveWorkspacePath(services, fields.workspace_path);
    const source = services.scopes.workspace(workspacePath);
    if (source.kind !== "workspace") {
      throw new ApiError(
        400,
        "VALIDATION_ERROR",
        "workspace_path: names the global workspace; nothing to promote",
        {
          field: "workspace_path",
        },
      );
    }
    const agent = await services.agents.get([source], id);
    const { created_at, updated_at, ...config } = agent.config;
    const global = services.scopes.global();
    const record = await services.agents.create(
      global,
      stripUndefined(config) as typeof config,
      fields.new_id ?? id,
    );
    const availability = new AvailabilityResolver(services, global.workspacePath, [global]);
    return c.json(withWarnings(await agentDetail(record, availability), warnings), 201);
  },
);
