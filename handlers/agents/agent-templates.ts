import { z } from "@hono/zod-openapi";
import { stripUndefined } from "../../storage/agents.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { TemplateConfigSchema } from "../../storage/templates.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { AgentDetailSchema, AvailabilityResolver, agentDetail } from "./agent-views.js";

const TemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().optional(),
    source: z.enum(["builtin", "global"]),
    config: z.record(z.string(), z.unknown()),
    created_at: z.string().optional(),
    path: z.string().optional(),
  })
  .openapi("AgentTemplate");

const TemplateParams = z.object({ id: idSchema.openapi({ param: { name: "id", in: "path" } }) });

const TemplateCreateSchema = z
  .object({
    agent_id: idSchema.openapi({ description: "The agent whose configuration becomes the template" }),
    id: idSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    workspace_path: z.string().optional().openapi({ description: "Where to look the agent up first" }),
  })
  .strict()
  .openapi("AgentTemplateCreate");

const InstantiateSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    id: idSchema.optional(),
    base_path: z.string().optional(),
  })
  .strict()
  .openapi("AgentTemplateInstantiate");

/** /api/agent/templates: list, get, create from an agent, instantiate into a new agent. */
export const agentTemplatesRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/templates",
      operationId: "listAgentTemplates",
      tags: ["Agent templates"],
      summary: "List templates (built-in and user-made)",
      responses: {
        200: jsonContent(z.object({ templates: z.array(TemplateSchema), total: z.number() }), "Templates"),
      },
    }),
    async (c) => {
      const templates = await c.get("services").templates.list();
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
      request: { params: TemplateParams },
      responses: { 200: jsonContent(TemplateSchema, "The template"), ...errorResponses(400, 404) },
    }),
    async (c) => c.json(await c.get("services").templates.get(c.req.valid("param").id), 200),
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/templates",
      operationId: "createAgentTemplate",
      tags: ["Agent templates"],
      summary: "Create a template from an agent",
      request: { body: jsonBody(TemplateCreateSchema) },
      responses: { 201: jsonContent(TemplateSchema, "The template"), ...errorResponses(400, 404, 409, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const path = await resolveWorkspacePath(services, body.workspace_path);
      const agent = await services.agents.get(services.scopes.listingScopes(path, true), body.agent_id);
      const { name, created_at, updated_at, ...rest } = agent.config;
      const template = await services.templates.create({
        id: body.id,
        name: body.name ?? name,
        description: body.description ?? agent.config.description,
        config: TemplateConfigSchema.parse(rest),
      });
      return c.json(template, 201);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/templates/{id}/instantiate",
      operationId: "instantiateAgentTemplate",
      tags: ["Agent templates"],
      summary: "Create an agent from a template",
      request: { params: TemplateParams, body: jsonBody(InstantiateSchema) },
      responses: {
        201: jsonContent(AgentDetailSchema, "The new agent"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const template = await services.templates.get(c.req.valid("param").id);
      const body = c.req.valid("json");
      const workspacePath = await resolveWorkspacePath(services, body.base_path, "base_path");
      const record = await services.agents.create(
        services.scopes.workspace(workspacePath),
        { ...stripUndefined(template.config), name: body.name ?? template.name },
        body.id,
      );
      const scopes = services.scopes.listingScopes(workspacePath, true);
      return c.json(
        await agentDetail(record, new AvailabilityResolver(services, workspacePath, scopes)),
        201,
      );
    },
  );
