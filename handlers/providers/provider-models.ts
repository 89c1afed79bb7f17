import { z } from "@hono/zod-openapi";
import { invalid } from "../../storage/errors.js";
import type { ModelView } from "../../storage/models.js";
import { resolveProviderRecord } from "../../storage/provider-resolve.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { ModelSchema } from "./models.js";
import {
  modelIdSchema,
  modelListing,
  ProviderIdParams,
  ProviderScopeQuery,
  requestedProvider,
} from "./provider-lookup.js";

const ProviderModelsSchema = z
  .object({
    provider_id: z.string(),
    models: z.array(
      ModelSchema.extend({
        provider: z.string().openapi({ description: "Viben's name for `provider_type`" }),
      }),
    ),
    total: z.number().int(),
  })
  .openapi("ProviderModels");

const DiscoveredModelsSchema = z
  .object({
    provider_id: z.string(),
    ok: z.boolean(),
    models: z.array(z.object({ id: z.string(), name: z.string() })),
    total: z.number().int(),
    error: z.string().optional().openapi({ description: "Why the provider could not be asked; never a key" }),
    checked_at: z.string(),
  })
  .openapi("DiscoveredModels");

/** The provider's models as /api/models lists them (its file, its catalogue, its last listing), with switches. */
async function providerModels(services: Services, providerId: string, workspacePath: string | undefined) {
  const ws = await resolveWorkspace(services, { workspace_path: workspacePath });
  const models = (await modelListing(services, ws)).filter((m) => m.provider_id === providerId);
  const view = (m: ModelView) => ({ ...m, provider: m.provider_type });
  return { provider_id: providerId, models: models.map(view), total: models.length };
}

/** Asks the provider's own listing (`GET <base_url>/models`) now, past the cache that /api/models uses. */
async function discover(services: Services, providerId: string, workspacePath: string | undefined) {
  const record = await requestedProvider(services, providerId, workspacePath);
  const checker = requireCapability(services, "providerChecks");
  const resolution = resolveProviderRecord(record, services.env);
  if (!resolution.configured) {
    const checkedAt = services.clock.now().toISOString();
    const error = `not configured: ${resolution.reason}`;
    return { provider_id: providerId, ok: false, models: [], total: 0, error, checked_at: checkedAt };
  }
  const check = await checker.check(resolution.provider);
  const models = check.models.map((m) => ({ id: m.id, name: m.name ?? m.id }));
  return {
    provider_id: providerId,
    ok: check.ok,
    models,
    total: models.length,
    ...(check.error ? { error: check.error } : {}),
    checked_at: check.checked_at,
  };
}

const discoverResponses = {
  200: jsonContent(
    DiscoveredModelsSchema,
    "What the provider listed; `ok: false` and `error` when it could not be asked",
  ),
  ...errorResponses(400, 404, 422, 501),
};
const discoverDescription =
  "Always 200 once the provider exists: a provider that refuses, errors or does not answer gives `ok: false`, no models and an `error`. Discovered models join /api/models.";

/** /api/providers/{id}/models and model discovery, as Viben's desktop calls them. */
export const providerModelsRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}/models",
      operationId: "listProviderModels",
      tags: ["Providers"],
      summary: "List a provider's models with their switches",
      request: { params: ProviderIdParams, query: ProviderScopeQuery },
      responses: {
        200: jsonContent(ProviderModelsSchema, "The provider's models"),
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const workspacePath = c.req.valid("query").workspace_path;
      await requestedProvider(services, id, workspacePath);
      return c.json(await providerModels(services, id, workspacePath), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/{id}/models",
      operationId: "setProviderModels",
      tags: ["Providers"],
      summary: "Choose which of a provider's models are switched on (the others are switched off)",
      request: {
        params: ProviderIdParams,
        query: ProviderScopeQuery,
        body: jsonBody(z.object({ model_ids: z.array(modelIdSchema).max(10_000) }).strict()),
      },
      responses: {
        200: jsonContent(ProviderModelsSchema, "The provider's models"),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const workspacePath = c.req.valid("query").workspace_path;
      await requestedProvider(services, id, workspacePath);
      const wanted = new Set(c.req.valid("json").model_ids);
      const { models } = await providerModels(services, id, workspacePath);
      const known = new Set(models.map((m) => m.id));
      const unknown = [...wanted].filter((m) => !known.has(m));
      if (unknown.length > 0) {
        throw invalid("model_ids", `not models of provider '${id}': ${unknown.join(", ")}`, { unknown });
      }
      const changes = new Map(models.map((m) => [m.id, wanted.has(m.id)] as const));
      await services.modelPreferences.switchModels(services.scopes.global(), id, changes);
      return c.json(await providerModels(services, id, workspacePath), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "get",
      path: "/{id}/discover-models",
      operationId: "discoverProviderModels",
      tags: ["Providers"],
      summary: "Ask the provider which models it offers",
      description: discoverDescription,
      request: { params: ProviderIdParams, query: ProviderScopeQuery },
      responses: discoverResponses,
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await discover(c.get("services"), id, c.req.valid("query").workspace_path), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/discover",
      operationId: "discoverProviderModelsPost",
      tags: ["Providers"],
      summary: "Ask the provider which models it offers (the desktop's spelling)",
      description: discoverDescription,
      request: { params: ProviderIdParams, query: ProviderScopeQuery },
      responses: discoverResponses,
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await discover(c.get("services"), id, c.req.valid("query").workspace_path), 200);
    },
  );
