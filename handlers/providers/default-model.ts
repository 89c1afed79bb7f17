import { z } from "@hono/zod-openapi";
import type { AgentRecord } from "../../storage/agents.js";
import { listModels } from "../../storage/models.js";
import type { Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const ModelSettingsFields = {
  model_id: z
    .string()
    .nullable()
    .openapi({ description: "The agent's `model` (null: the executor's default)" }),
  provider: z.string().nullable(),
  temperature: z.number().nullable(),
  max_tokens: z.number().nullable(),
  thinking: z.string().nullable().openapi({ description: "Kept in the agent's config.yaml as `thinking`" }),
};

const DefaultModelSchema = z
  .object({
    configured: z.boolean().openapi({ description: "Whether a default agent is set" }),
    agent_id: z.string().nullable(),
    executor_type: z.string().nullable(),
    ...ModelSettingsFields,
    model: z.object(ModelSettingsFields).openapi({ description: "The same settings, as Ryvos nests them" }),
    note: z.string().optional(),
  })
  .openapi("DefaultModel");

const ModelUpdateSchema = z
  .object({
    model_id: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters")
      .optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().max(10_000_000).optional(),
    thinking: z.string().min(1).max(50).optional(),
  })
  .openapi("DefaultModelUpdate");

/** The global default agent's config, or null when none is set or it names an executor rather than an agent. */
async function defaultAgent(services: Services): Promise<{ id: string | null; record: AgentRecord | null }> {
  const id = await services.settings.defaultAgent(services.scopes.global());
  if (!id) return { id: null, record: null };
  return { id, record: await services.agents.find([services.scopes.global()], id) };
}

function modelView(id: string | null, record: AgentRecord | null) {
  const config = record?.config;
  const thinking = config?.thinking;
  const settings = {
    model_id: config?.model ?? null,
    provider: config?.provider ?? null,
    temperature: config?.temperature ?? null,
    max_tokens: config?.max_tokens ?? null,
    thinking: typeof thinking === "string" ? thinking : null,
  };
  return {
    configured: id !== null,
    agent_id: id,
    executor_type: config?.executor_type ?? (record ? null : id),
    ...settings,
    model: settings,
    ...(id ? {} : { note: "No default agent: set one with PUT /api/agent/default" }),
  };
}

/**
 * /api/model: the model settings the Ryvos settings page reads and writes. The gateway has no single
 * model: each agent names its own, so these are the global default agent's (`PUT /api/agent/default`),
 * the agent chat and webhooks use when none is named. Changes apply to its next run.
 */
export const defaultModelRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "getModelSettings",
      tags: ["Models"],
      summary: "The default agent's model, temperature and max_tokens (Ryvos)",
      responses: { 200: jsonContent(DefaultModelSchema, "The settings"), ...errorResponses(422) },
    }),
    async (c) => {
      const { id, record } = await defaultAgent(c.get("services"));
      return c.json(modelView(id, record), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/",
      operationId: "updateModelSettings",
      tags: ["Models"],
      summary: "Change the default agent's model settings (Ryvos); applies to its next run",
      request: { body: jsonBody(ModelUpdateSchema) },
      responses: {
        200: jsonContent(DefaultModelSchema.extend({ ok: z.boolean() }), "The settings now"),
        ...errorResponses(400, 409, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const { id, record } = await defaultAgent(services);
      if (!id)
        throw badRequest("NO_AGENT", "no default agent set (PUT /api/agent/default)", { field: "agent_id" });
      if (!record) {
        throw new ApiError(
          409,
          "DEFAULT_AGENT_NOT_EDITABLE",
          `the default agent '${id}' is an executor, not a global agent with a config to edit`,
          { agent_id: id },
        );
      }
      const updated = await services.agents.update(record, {
        model: body.model_id,
        temperature: body.temperature,
        max_tokens: body.max_tokens,
        thinking: body.thinking,
      });
      return c.json({ ok: true, ...modelView(id, updated) }, 200);
    },
  );

const AvailableModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider_id: z.string(),
    context_window: z.number(),
    is_available: z.boolean(),
  })
  .openapi("AvailableModel");

/** GET /api/models/available: the Ryvos model picker's catalogue, from the same sources as /api/models. */
export const availableModelsRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/available",
    operationId: "listAvailableModels",
    tags: ["Models"],
    summary: "Models of one provider (default: the default agent's provider, else every provider) (Ryvos)",
    request: {
      query: z.object({
        provider: z.string().min(1).max(200).optional().openapi({ example: "anthropic" }),
      }),
    },
    responses: {
      200: jsonContent(
        z.object({ provider: z.string().nullable(), models: z.array(AvailableModelSchema) }),
        "Models",
      ),
      ...errorResponses(400, 422),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const provider = c.req.valid("query").provider ?? (await defaultAgent(services)).record?.config.provider;
    const checks = services.providerChecks;
    const models = await listModels({
      global: services.scopes.global(),
      workspace: services.scopes.global(),
      includeGlobal: true,
      env: services.env,
      providers: services.providers,
      remote: checks ? (p) => checks.listing(p) : undefined,
    });
    const chosen = provider ? models.filter((m) => m.provider_id === provider) : models;
    return c.json(
      {
        provider: provider ?? null,
        models: chosen.map((m) => ({
          id: m.id,
          name: m.name,
          provider_id: m.provider_id,
          context_window: m.context_window,
          is_available: m.is_available,
        })),
      },
      200,
    );
  },
);
