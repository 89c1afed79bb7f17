import { z } from "@hono/zod-openapi";
import { stripUndefined } from "../../storage/agents.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { TemplateConfigSchema } from "../../storage/templates.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { acceptKnownFields, StrictQuerySchema, withWarnings } from "../lib/lenient-body.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { AgentDetailSchema, AvailabilityResolver, agentDetail } from "./agent-views.js";
import {
  agentAsTemplateConfig,
  agentTemplates,
  agentTemplateView,
  fileTemplateView,
  findTemplate,
} from "./template-source.js";

const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    source: z.enum(["builtin", "global", "workspace"]).openapi({
      description: "builtin or global for template files; global or workspace for agents marked is_template",
    }),
    config: z.record(z.string(), z.unknown()),
    created_at: z.string().optional(),
    path: z.string().optional(),
    is_template: z.boolean().optional(),
    template_description: z.string().optional(),
    model: z.string().optional(),
    provider_id: z.string().optional(),
    executor_type: z.string().optional(),
    updated_at: z.string().optional(),
    workspace_path: z.string().optional(),
    system_prompt: z.string().optional(),
  })
  .openapi("AgentTemplate");

const TemplateMarkSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    is_template: z.boolean(),
    template_description: z.string().optional(),
    source: z.enum(["global", "workspace"]),
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .openapi("AgentTemplateMark");

const TemplateParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });
const ScopeQuery = z.object({
  workspace_path: z
    .string()
    .optional()
    .openapi({ description: "Also offer the agents marked as templates in this workspace" }),
});

const TemplateCreateSchema = z.object({
  agent_id: idSchema.openapi({ description: "The agent whose configuration becomes the template" }),
  id: idSchema.optional(),
  template_id: idSchema.optional().openapi({ description: "Same as id (the original Viben field)" }),
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(10_000).optional(),
  workspace_path: z.string().optional().openapi({ description: "Where to look the agent up first" }),
  is_template: z.boolean().optional().openapi({
    description: "The original Viben form: mark (true) or unmark (false) the agent itself as a template",
  }),
  template_description: z.string().max(10_000).optional(),
});
const TemplateCreateBody = TemplateCreateSchema.loose().openapi("AgentTemplateCreate");

const InstantiateSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  id: idSchema.optional(),
  agent_id: idSchema.optional().openapi({ description: "Same as id (the original Viben field)" }),
  base_path: z.string().optional(),
  template_workspace_path: z
    .string()
    .optional()
    .openapi({ description: "Where the template agent lives (default: base_path, then global)" }),
});
const InstantiateBody = InstantiateSchema.loose().openapi("AgentTemplateInstantiate");

async function scopesOf(
  services: Services,
  workspacePath: string | undefined,
  field: "workspace_path" | "template_workspace_path" = "workspace_path",
) {
  const path = await resolveWorkspacePath(services, workspacePath, field);
  return services.scopes.listingScopes(path, true);
}

/**
 * /api/agent/templates: template files (built in and user-made) and agents marked `is_template`; create a
 * template from an agent or mark one; instantiate into a new agent.
 */
export const agentTemplatesRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/templates",
      operationId: "listAgentTemplates",
      tags: ["Agent templates"],
      summary: "List templates (built-in, user-made, and agents marked as templates)",
      request: { query: ScopeQuery },
      responses: {
        200: jsonContent(z.object({ templates: z.array(TemplateSchema), total: z.number() }), "Templates"),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const scopes = await scopesOf(services, c.req.valid("query").workspace_path);
      const files = (await services.templates.list()).map(fileTemplateView);
      const taken = new Set(files.map((t) => t.id));
      const agents = (await agentTemplates(services, scopes))
        .filter((a) => !taken.has(a.id))
        .map(agentTemplateView);
      const templates = [...files, ...agents];
      return c.json({ templates, total: templates.length }, 200);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/templates/{id}",
      operationId: "getAgentTemplate",
      tags: ["Agent templates"],
      summary: "Get a template",
      request: { params: TemplateParams, query: ScopeQuery },
      responses: { 200: jsonContent(TemplateSchema, "The template"), ...errorResponses(400, 404) },
    }),
    async (c) => {
      const services = c.get("services");
      const scopes = await scopesOf(services, c.req.valid("query").workspace_path);
      const found = await findTemplate(services, c.req.valid("param").id, scopes);
      return c.json("file" in found ? fileTemplateView(found.file) : agentTemplateView(found.agent), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/templates",
      operationId: "createAgentTemplate",
      tags: ["Agent templates"],
      summary: "Create a template from an agent, or (with is_template) mark or unmark the agent itself",
      request: { query: StrictQuerySchema, body: jsonBody(TemplateCreateBody) },
      responses: {
        200: jsonContent(TemplateMarkSchema, "The agent, marked or unmarked (is_template given)"),
        201: jsonContent(TemplateSchema, "The template"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { fields: body, warnings } = acceptKnownFields(c, TemplateCreateSchema, c.req.valid("json"));
      const scopes = await scopesOf(services, body.workspace_path);
      const agent = await services.agents.get(scopes, body.agent_id);
      if (body.is_template !== undefined) {
        const marked = await services.agents.update(agent, {
          is_template: body.is_template,
          // Unmarking drops the description that only the template picker shows.
          template_description: body.is_template ? body.template_description : null,
        });
        const { config } = marked;
        const answer = {
          id: marked.id,
          name: config.name,
          description: config.description,
          is_template: config.is_template === true,
          template_description: config.template_description,
          source: marked.scope.kind,
          created_at: config.created_at,
          updated_at: config.updated_at,
        };
        return c.json(withWarnings(answer, warnings), 200);
      }
      const { name, created_at, updated_at, ...rest } = agent.config;
      const template = await services.templates.create({
        id: body.id ?? body.template_id,
        name: body.name ?? name,
        description: body.description ?? agent.config.description,
        config: TemplateConfigSchema.parse(agentAsTemplateConfig(rest as typeof agent.config)),
      });
      return c.json(withWarnings(fileTemplateView(template), warnings), 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/templates/{id}/instantiate",
      operationId: "instantiateAgentTemplate",
      tags: ["Agent templates"],
      summary: "Create an agent from a template (a template file or an agent marked as template)",
      request: { params: TemplateParams, query: StrictQuerySchema, body: jsonBody(InstantiateBody) },
      responses: {
        201: jsonContent(AgentDetailSchema, "The new agent"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { fields: body, warnings } = acceptKnownFields(c, InstantiateSchema, c.req.valid("json"));
      const workspacePath = await resolveWorkspacePath(services, body.base_path, "base_path");
      const templateScopes =
        body.template_workspace_path === undefined
          ? services.scopes.listingScopes(workspacePath, true)
          : await scopesOf(services, body.template_workspace_path, "template_workspace_path");
      const found = await findTemplate(services, c.req.valid("param").id, templateScopes);
      const [config, templateName] =
        "file" in found
          ? [found.file.config, found.file.name]
          : [agentAsTemplateConfig(found.agent.config), found.agent.config.name];
      const record = await services.agents.create(
        services.scopes.workspace(workspacePath),
        { ...stripUndefined(config), name: body.name ?? templateName },
        body.id ?? body.agent_id,
      );
      const scopes = services.scopes.listingScopes(workspacePath, true);
      const detail = await agentDetail(record, new AvailabilityResolver(services, workspacePath, scopes));
      return c.json(withWarnings(detail, warnings), 201);
    },
  );
