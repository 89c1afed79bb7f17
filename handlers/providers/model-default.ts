import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { ModelSchema } from "./models.js";
import { findListedModel, modelIdSchema, modelListing } from "./provider-lookup.js";

const DefaultModelSchema = z
  .object({
    default_model_id: z.string().nullable(),
    provider_id: z
      .string()
      .nullable()
      .openapi({ description: "The provider named with the default, if any" }),
    model: ModelSchema.nullable().openapi({
      description: "The model, or null when unset or no longer listed",
    }),
  })
  .openapi("DefaultModel");

const SetDefaultModelSchema = z
  .object({
    model_id: modelIdSchema,
    provider_id: z
      .string()
      .optional()
      .openapi({ description: "Needed where several providers offer the id" }),
  })
  .strict()
  .openapi("SetDefaultModel");

/**
 * /api/models/default (Viben's desktop `getDefaultModel`/`setDefaultModel`): kept in the global
 * `~/.viben/config.yaml`. Mounted before /api/models/{id}, which would otherwise take `default`.
 */
export const modelDefaultRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/default",
      operationId: "getDefaultModel",
      tags: ["Models"],
      summary: "Get the default model",
      responses: {
        200: jsonContent(DefaultModelSchema, "The default model (null when unset)"),
        ...errorResponses(400, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { defaultModel } = await services.modelPreferences.read(services.scopes.global());
      if (!defaultModel) return c.json({ default_model_id: null, provider_id: null, model: null }, 200);
      const listed = await modelListing(services, await resolveWorkspace(services, {}));
      const model = listed.find((m) => m.is_default) ?? null;
      return c.json(
        { default_model_id: defaultModel.id, provider_id: defaultModel.provider_id ?? null, model },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/default",
      operationId: "setDefaultModel",
      tags: ["Models"],
      summary: "Set the default model (one the global listing offers)",
      request: { body: jsonBody(SetDefaultModelSchema) },
      responses: {
        200: jsonContent(
          DefaultModelSchema.extend({
            success: z.literal(true),
            provider_id: z.string(),
            model: ModelSchema,
          }),
          "The default model",
        ),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { model_id, provider_id } = c.req.valid("json");
      const ws = await resolveWorkspace(services, {});
      const found = findListedModel(await modelListing(services, ws), model_id, provider_id);
      // The provider is always recorded, so that a provider added later offering the same id changes nothing.
      await services.modelPreferences.setDefaultModel(services.scopes.global(), {
        id: model_id,
        provider_id: found.provider_id,
      });
      const model = { ...found, is_default: true };
      return c.json(
        { success: true as const, default_model_id: model_id, provider_id: found.provider_id, model },
        200,
      );
    },
  );
