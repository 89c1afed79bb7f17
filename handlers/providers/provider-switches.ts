import { z } from "@hono/zod-openapi";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";
import { ProviderIdParams, ProviderScopeQuery, requestedProvider } from "./provider-lookup.js";
import { ProviderViewSchema, providerView } from "./provider-views.js";

const SwitchSchema = z
  .object({
    success: z.literal(true),
    provider_id: z.string(),
    enabled: z.boolean(),
    provider: ProviderViewSchema,
  })
  .openapi("ProviderSwitch");

/** POST /api/providers/{id}/enable and /disable: `enabled` in the provider's file. */
function switchRoute(enabled: boolean) {
  return defineRoute("admin", {
    method: "post",
    path: `/{id}/${enabled ? "enable" : "disable"}`,
    operationId: enabled ? "enableProvider" : "disableProvider",
    tags: ["Providers"],
    summary: enabled
      ? "Switch a provider back on"
      : "Switch a provider off: it is kept, but not called and its models are unavailable",
    request: { params: ProviderIdParams, query: ProviderScopeQuery },
    responses: {
      200: jsonContent(SwitchSchema, "The provider's new state"),
      ...errorResponses(400, 404, 409, 422, 501),
    },
  });
}

export const providerSwitchesRouter = createRouter()
  .openapi(switchRoute(true), async (c) => {
    const services = c.get("services");
    const { id } = c.req.valid("param");
    const record = await requestedProvider(services, id, c.req.valid("query").workspace_path);
    // Built-in providers have no file to switch (409 PROVIDER_BUILTIN); `null` drops the key: on is the default.
    const updated = await services.providers.update(record, { enabled: null });
    const { defaultProvider } = await services.modelPreferences.read(services.scopes.global());
    const provider = providerView(services, updated, defaultProvider);
    return c.json({ success: true as const, provider_id: id, enabled: true, provider }, 200);
  })
  .openapi(switchRoute(false), async (c) => {
    const services = c.get("services");
    const { id } = c.req.valid("param");
    const record = await requestedProvider(services, id, c.req.valid("query").workspace_path);
    const updated = await services.providers.update(record, { enabled: false });
    const { defaultProvider } = await services.modelPreferences.read(services.scopes.global());
    const provider = providerView(services, updated, defaultProvider);
    return c.json({ success: true as const, provider_id: id, enabled: false, provider }, 200);
  });
