import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { ProviderViewSchema, providerView } from "./provider-views.js";

const DefaultProviderSchema = z
  .object({
    default_provider_id: z.string().nullable(),
    provider: ProviderViewSchema.nullable().openapi({
      description: "The provider, or null when unset or when the named provider no longer exists",
    }),
  })
  .openapi("DefaultProvider");

/**
 * /api/providers/default (Viben's desktop `setDefaultProvider`): the default provider is named in the
 * global `~/.viben/config.yaml`. Mounted before /api/providers/{id}, which would otherwise take `default`.
 */
export const providerDefaultRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/default",
      operationId: "getDefaultProvider",
      tags: ["Providers"],
      summary: "Get the default provider",
      responses: {
        200: jsonContent(DefaultProviderSchema, "The default provider (null when unset)"),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const global = services.scopes.global();
      const { defaultProvider } = await services.modelPreferences.read(global);
      const record = defaultProvider
        ? await services.providers.find([global], defaultProvider, services.env).catch(() => null)
        : null;
      const provider = record ? providerView(services, record, defaultProvider) : null;
      return c.json({ default_provider_id: defaultProvider, provider }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/default",
      operationId: "setDefaultProvider",
      tags: ["Providers"],
      summary: "Set the default provider",
      request: { body: jsonBody(z.object({ provider_id: idSchema }).strict()) },
      responses: {
        200: jsonContent(
          DefaultProviderSchema.extend({ success: z.literal(true), provider: ProviderViewSchema }),
          "The default provider",
        ),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { provider_id } = c.req.valid("json");
      const global = services.scopes.global();
      const record = await services.providers.get([global], provider_id, services.env);
      await services.modelPreferences.setDefaultProvider(global, provider_id);
      const provider = providerView(services, record, provider_id);
      return c.json({ success: true as const, default_provider_id: provider_id, provider }, 200);
    },
  );
