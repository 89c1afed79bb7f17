import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { ModelSchema } from "./models.js";
import {
  findListedModel,
  modelIdSchema,
  modelListing,
  ProviderIdParams,
  requestedProvider,
} from "./provider-lookup.js";

export const ModelSwitchSchema = z
  .object({
    success: z.literal(true),
    provider_id: z.string(),
    model_id: z.string(),
    enabled: z.boolean(),
    model: ModelSchema,
  })
  .openapi("ModelSwitch");

const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

/** Switches a listed model on or off (global config.yaml `disabled_models`) and answers its new state. */
async function switchModel(
  services: Services,
  request: { modelId: string; providerId?: string; workspacePath?: string },
  enabled: boolean,
) {
  const ws = await resolveWorkspace(services, { workspace_path: request.workspacePath });
  const model = findListedModel(await modelListing(services, ws), request.modelId, request.providerId);
  const changes = new Map([[model.id, enabled]]);
  await services.modelPreferences.switchModels(services.scopes.global(), model.provider_id, changes);
  return {
    success: true as const,
    provider_id: model.provider_id,
    model_id: model.id,
    enabled,
    model: { ...model, enabled },
  };
}

const verb = (enabled: boolean) => (enabled ? "enable" : "disable");

function modelSwitchRoute(enabled: boolean) {
  return defineRoute("operator", {
    method: "post",
    path: `/{id}/${verb(enabled)}`,
    operationId: enabled ? "enableModel" : "disableModel",
    tags: ["Models"],
    summary: enabled
      ? "Switch a model back on"
      : "Switch a model off (it stays listed with `enabled: false`)",
    request: {
      params: z.object({
        id: modelIdSchema.openapi({ param: { name: "id", in: "path" }, example: "gpt-5" }),
      }),
      query: ScopeQuery.extend({
        provider_id: z
          .string()
          .optional()
          .openapi({ description: "The provider, where several offer the id" }),
      }),
    },
    responses: {
      200: jsonContent(ModelSwitchSchema, "The model's new state"),
      ...errorResponses(400, 404, 422, 501),
    },
  });
}

function providerModelSwitchRoute(enabled: boolean) {
  return defineRoute("operator", {
    method: "post",
    path: `/{id}/models/{model_id}/${verb(enabled)}`,
    operationId: enabled ? "enableProviderModel" : "disableProviderModel",
    tags: ["Providers"],
    summary: enabled ? "Switch one of a provider's models on" : "Switch one of a provider's models off",
    request: {
      params: ProviderIdParams.extend({
        model_id: modelIdSchema.openapi({ param: { name: "model_id", in: "path" }, example: "gpt-5" }),
      }),
      query: ScopeQuery,
    },
    responses: {
      200: jsonContent(ModelSwitchSchema, "The model's new state"),
      ...errorResponses(400, 404, 422, 501),
    },
  });
}

/** /api/models/{id}/enable and /disable (`provider_id` in the query where the id is ambiguous). */
export const modelSwitchesRouter = createRouter()
  .openapi(modelSwitchRoute(true), async (c) => {
    const { workspace_path, provider_id } = c.req.valid("query");
    const request = {
      modelId: c.req.valid("param").id,
      providerId: provider_id,
      workspacePath: workspace_path,
    };
    return c.json(await switchModel(c.get("services"), request, true), 200);
  })
  .openapi(modelSwitchRoute(false), async (c) => {
    const { workspace_path, provider_id } = c.req.valid("query");
    const request = {
      modelId: c.req.valid("param").id,
      providerId: provider_id,
      workspacePath: workspace_path,
    };
    return c.json(await switchModel(c.get("services"), request, false), 200);
  });

/** /api/providers/{id}/models/{model_id}/enable and /disable (Viben's server spelling). */
export const providerModelSwitchesRouter = createRouter()
  .openapi(providerModelSwitchRoute(true), async (c) => {
    const services = c.get("services");
    const { id, model_id } = c.req.valid("param");
    const workspacePath = c.req.valid("query").workspace_path;
    await requestedProvider(services, id, workspacePath);
    return c.json(
      await switchModel(services, { modelId: model_id, providerId: id, workspacePath }, true),
      200,
    );
  })
  .openapi(providerModelSwitchRoute(false), async (c) => {
    const services = c.get("services");
    const { id, model_id } = c.req.valid("param");
    const workspacePath = c.req.valid("query").workspace_path;
    await requestedProvider(services, id, workspacePath);
    return c.json(
      await switchModel(services, { modelId: model_id, providerId: id, workspacePath }, false),
      200,
    );
  });
