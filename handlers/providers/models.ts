import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { findListedModel, modelIdSchema, modelListing } from "./provider-lookup.js";

export const ModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider_id: z.string(),
    provider_name: z.string(),
    provider_type: z
      .string()
      .openapi({ description: "How the provider is called (`anthropic`, `openai`, …)" }),
    context_window: z.number(),
    max_output_tokens: z.number().optional(),
    pricing: z
      .object({
        input: z.number(),
        output: z.number(),
        cache_read: z.number().optional(),
        cache_write: z.number().optional(),
      })
      .optional()
      .openapi({ description: "Cents per million tokens" }),
    is_available: z.boolean(),
    enabled: z.boolean().openapi({ description: "False when switched off (POST /api/models/{id}/disable)" }),
    is_default: z.boolean(),
    has_workspace_override: z.boolean(),
    source: z.enum(["global", "workspace", "builtin"]),
    workspace_path: z.string(),
  })
  .openapi("Model");

const ModelQuery = WorkspaceQuerySchema.extend({
  provider_id: z.string().optional().openapi({ description: "Only the models of this provider" }),
});

/** /api/models: global models.yaml (or the built-in catalogue), provider catalogues, workspace overrides. */
export const modelsRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/",
    operationId: "listModels",
    tags: ["Models"],
    summary: "List models with availability and workspace overrides",
    request: { query: ModelQuery },
    responses: {
      200: jsonContent(
        z.object({
          workspace_path: z.string(),
          models: z.array(ModelSchema),
          total: z.number(),
          default_model_id: z.string().nullable(),
        }),
        "Models",
      ),
      ...errorResponses(400, 422),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const query = c.req.valid("query");
    const ws = await resolveWorkspace(services, query);
    const all = await modelListing(services, ws);
    const models = query.provider_id ? all.filter((m) => m.provider_id === query.provider_id) : all;
    const { defaultModel } = await services.modelPreferences.read(services.scopes.global());
    return c.json(
      {
        workspace_path: ws.workspacePath,
        models,
        total: models.length,
        default_model_id: defaultModel?.id ?? null,
      },
      200,
    );
  },
);

/** GET /api/models/{id}: one listed model (mounted after /api/models/default, which it would shadow). */
export const modelRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/{id}",
    operationId: "getModel",
    tags: ["Models"],
    summary: "Get a model by id (name its provider where several offer it)",
    request: {
      params: z.object({
        id: modelIdSchema.openapi({ param: { name: "id", in: "path" }, example: "gpt-5" }),
      }),
      query: WorkspaceQuerySchema.pick({ workspace_path: true }).extend({
        provider_id: z
          .string()
          .optional()
          .openapi({ description: "The provider, where several offer the id" }),
      }),
    },
    responses: {
      200: jsonContent(ModelSchema, "The model"),
      ...errorResponses(400, 404, 422),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const { workspace_path, provider_id } = c.req.valid("query");
    const ws = await resolveWorkspace(services, { workspace_path });
    const model = findListedModel(await modelListing(services, ws), c.req.valid("param").id, provider_id);
    return c.json(model, 200);
  },
);
