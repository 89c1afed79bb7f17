import { z } from "@hono/zod-openapi";
import { resolveProviderRecord } from "../../storage/provider-resolve.js";
import { ProviderFieldsSchema } from "../../storage/provider-schema.js";
import { resolveWorkspace, resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import {
  ProviderIdParams as IdParams,
  lookupScopes,
  ProviderScopeQuery as ScopeQuery,
} from "./provider-lookup.js";
import {
  ProviderWriteViewSchema,
  TypeInputSchema,
  VibenExtraFields,
  withCanonicalType,
  withoutExtras,
} from "./provider-requests.js";
import {
  ProviderCheckViewSchema,
  ProviderViewSchema,
  providerCheckView,
  providerView,
} from "./provider-views.js";

export const ProviderCreateSchema = ProviderFieldsSchema.partial()
  .extend({
    id: idSchema
      .optional()
      .openapi({ description: "The file name; derived from `name` (then `type`) and numbered when absent" }),
    type: TypeInputSchema,
    set_as_default: z.boolean().optional().openapi({ description: "Also make it the default provider" }),
    ...VibenExtraFields,
    base_path: z
      .string()
      .optional()
      .openapi({ description: "Workspace to store the provider in; global when absent" }),
  })
  .strict()
  .openapi("ProviderCreate");

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
export const ProviderPatchSchema = z
  .object({
    name: ProviderFieldsSchema.shape.name.optional(),
    type: TypeInputSchema.optional(),
    base_url: nullable(ProviderFieldsSchema.shape.base_url),
    api_key: nullable(ProviderFieldsSchema.shape.api_key),
    headers: nullable(ProviderFieldsSchema.shape.headers),
    models: nullable(ProviderFieldsSchema.shape.models),
    enabled: ProviderFieldsSchema.shape.enabled.optional(),
    ...VibenExtraFields,
  })
  .strict()
  .openapi("ProviderPatch", { description: "Fields to change; null removes an optional field" });

const TestBodySchema = z
  .object({
    timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(120_000)
      .optional()
      .openapi({ description: "How long to wait for the provider (default 10000)" }),
  })
  .strict()
  .openapi("ProviderTestOptions");

/** /api/providers: LLM providers for native agents. Credentials never leave in clear. */
export const providersRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "listProviders",
      tags: ["Providers"],
      summary: "List providers of a workspace, merged with the global scope and the built-in ones",
      request: { query: WorkspaceQuerySchema },
      responses: {
        200: jsonContent(
          z.object({
            workspace_path: z.string(),
            providers: z.array(ProviderViewSchema),
            total: z.number().int(),
            default_provider_id: z.string().nullable(),
            warnings: z.array(z.object({ id: z.string(), config_path: z.string(), error: z.string() })),
          }),
          "Providers, workspace first, built-in ones last",
        ),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const ws = await resolveWorkspace(services, c.req.valid("query"));
      const { providers, problems } = await services.providers.list(ws.scopes, services.env);
      const { defaultProvider } = await services.modelPreferences.read(services.scopes.global());
      const views = providers.map((p) => providerView(services, p, defaultProvider));
      return c.json(
        {
          workspace_path: ws.workspacePath,
          providers: views,
          total: views.length,
          default_provider_id: defaultProvider,
          warnings: problems,
        },
        200,
      );
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "post",
      path: "/",
      operationId: "createProvider",
      tags: ["Providers"],
      summary: "Create a provider file (admin: providers hold credentials)",
      request: { body: jsonBody(ProviderCreateSchema) },
      responses: {
        201: jsonContent(ProviderWriteViewSchema, "The created provider"),
        ...errorResponses(400, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id, base_path, set_as_default, ...body } = c.req.valid("json");
      const { fields, ignored } = withoutExtras(withCanonicalType(body, true));
      const workspacePath = await resolveWorkspacePath(services, base_path, "base_path");
      const scope = services.scopes.workspace(workspacePath);
      // The schema requires `type`; the alias mapping keeps it.
      const record = await services.providers.create(scope, id, { ...fields, type: fields.type! });
      const global = services.scopes.global();
      if (set_as_default) await services.modelPreferences.setDefaultProvider(global, record.id);
      const { defaultProvider } = await services.modelPreferences.read(global);
      const view = providerView(services, record, defaultProvider);
      return c.json(ignored.length > 0 ? { ...view, ignored_fields: ignored } : view, 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/{id}",
      operationId: "getProvider",
      tags: ["Providers"],
      summary: "Get a provider (workspace file first, then global, then built in)",
      request: { params: IdParams, query: ScopeQuery },
      responses: {
        200: jsonContent(ProviderViewSchema, "The provider"),
        ...errorResponses(400, 404, 422),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.providers.get(scopes, c.req.valid("param").id, services.env);
      const { defaultProvider } = await services.modelPreferences.read(services.scopes.global());
      return c.json(providerView(services, record, defaultProvider), 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "patch",
      path: "/{id}",
      operationId: "updateProvider",
      tags: ["Providers"],
      summary: "Update a provider file; keys written by hand are kept",
      request: { params: IdParams, query: ScopeQuery, body: jsonBody(ProviderPatchSchema) },
      responses: {
        200: jsonContent(ProviderWriteViewSchema, "The updated provider"),
        ...errorResponses(400, 404, 409, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.providers.get(scopes, c.req.valid("param").id, services.env);
      const { fields, ignored } = withoutExtras(withCanonicalType(c.req.valid("json"), false));
      const updated = await services.providers.update(record, fields);
      const { defaultProvider } = await services.modelPreferences.read(services.scopes.global());
      const view = providerView(services, updated, defaultProvider);
      return c.json(ignored.length > 0 ? { ...view, ignored_fields: ignored } : view, 200);
    },
  )
  .openapi(
    defineRoute("admin", {
      method: "delete",
      path: "/{id}",
      operationId: "deleteProvider",
      tags: ["Providers"],
      summary: "Delete a provider file",
      request: { params: IdParams, query: ScopeQuery },
      responses: {
        200: jsonContent(z.object({ success: z.boolean(), id: z.string(), source: z.string() }), "Deleted"),
        ...errorResponses(400, 404, 409, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.providers.get(scopes, id, services.env);
      await services.providers.remove(record);
      // A default that names nothing any more is cleared (a built-in provider of that id still counts).
      const global = services.scopes.global();
      const { defaultProvider } = await services.modelPreferences.read(global);
      if (defaultProvider === id && !(await services.providers.find([global], id, services.env))) {
        await services.modelPreferences.setDefaultProvider(global, null);
      }
      return c.json({ success: true, id, source: record.source }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/{id}/test",
      operationId: "testProvider",
      tags: ["Providers"],
      summary: "Check the connection and list the provider's models",
      description:
        "Always 200 once the provider exists: a provider that refuses, errors or does not answer in time gives `ok: false` and an `error`.",
      request: {
        params: IdParams,
        query: ScopeQuery,
        body: { required: false, content: { "application/json": { schema: TestBodySchema } } },
      },
      responses: {
        200: jsonContent(ProviderCheckViewSchema, "The check"),
        ...errorResponses(400, 404, 422, 501),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      const scopes = await lookupScopes(services, c.req.valid("query").workspace_path);
      const record = await services.providers.get(scopes, id, services.env);
      const checker = requireCapability(services, "providerChecks");
      // The body is optional: without a JSON content type it is not parsed at all.
      const options = (c.req.valid("json") as z.infer<typeof TestBodySchema> | undefined) ?? {};
      const resolution = resolveProviderRecord(record, services.env);
      if (!resolution.configured) {
        const checkedAt = services.clock.now().toISOString();
        const error = `not configured: ${resolution.reason}`;
        const check = { ok: false, latency_ms: 0, models: [], error, checked_at: checkedAt };
        return c.json(providerCheckView(id, check), 200);
      }
      const check = await checker.check(resolution.provider, { timeoutMs: options.timeout_ms });
      return c.json(providerCheckView(id, check), 200);
    },
  );
