import { z } from "@hono/zod-openapi";
import { listModels } from "../../storage/models.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";

const ModelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    provider_id: z.string(),
    provider_name: z.string(),
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
    has_workspace_override: z.boolean(),
    source: z.enum(["global", "workspace", "builtin"]),
    workspace_path: z.string(),
  })
  .openapi("Model");

/** /api/models: global models.yaml (or the built-in catalogue), provider catalogues, workspace overrides. */
export const modelsRouter = createRouter().openapi(
  defineRoute("viewer", {
    method: "get",
    path: "/",
    operationId: "listModels",
    tags: ["Models"],
    summary: "List models with availability and workspace overrides",
    request: { query: WorkspaceQuerySchema },
    responses: {
      200: jsonContent(
        z.object({ workspace_path: z.string(), models: z.array(ModelSchema), total: z.number() }),
        "Models",
      ),
      ...errorResponses(400, 422),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const ws = await resolveWorkspace(services, c.req.valid("query"));
    const checks = services.providerChecks;
    const models = await listModels({
      global: services.scopes.global(),
      workspace: ws.scope,
      includeGlobal: ws.includeGlobal,
      env: services.env,
      providers: services.providers,
      // Cached listings; an uncached one is waited for briefly (see runtime/providers/checker.ts).
      remote: checks ? (provider) => checks.listing(provider) : undefined,
    });
    return c.json({ workspace_path: ws.workspacePath, models, total: models.length }, 200);
  },
);
