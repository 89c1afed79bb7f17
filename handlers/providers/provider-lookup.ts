import { z } from "@hono/zod-openapi";
import { invalid, notFound } from "../../storage/errors.js";
import { listModels, type ModelView } from "../../storage/models.js";
import type { ProviderRecord } from "../../storage/providers.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { Scope } from "../../storage/scopes.js";
import type { Services } from "../context.js";
import { WorkspaceQuerySchema } from "../lib/schemas.js";

export const ProviderIdParams = z.object({
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "local-ollama" }),
});
export const ProviderScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

/** Scopes a provider id is looked up in: the given workspace first, then the global scope. */
export async function lookupScopes(services: Services, workspacePath: string | undefined): Promise<Scope[]> {
  const path = await resolveWorkspacePath(services, workspacePath);
  return services.scopes.listingScopes(path, true);
}

/** The provider a request names (404 PROVIDER_NOT_FOUND when there is none). */
export async function requestedProvider(
  services: Services,
  id: string,
  workspacePath: string | undefined,
): Promise<ProviderRecord> {
  return services.providers.get(await lookupScopes(services, workspacePath), id, services.env);
}

/**
 * The model list as /api/models answers it (provider catalogues, cached remote listings, switches and the
 * default model), for one workspace.
 */
export async function modelListing(
  services: Services,
  workspace: { scope: Scope; includeGlobal: boolean },
): Promise<ModelView[]> {
  const checks = services.providerChecks;
  const global = services.scopes.global();
  return listModels({
    global,
    workspace: workspace.scope,
    includeGlobal: workspace.includeGlobal,
    env: services.env,
    providers: services.providers,
    // Cached listings; an uncached one is waited for briefly (see runtime/providers/checker.ts).
    remote: checks ? (provider) => checks.listing(provider) : undefined,
    preferences: await services.modelPreferences.read(global),
  });
}

/** A model id in a path: free text (`llama3.1:8b`, `openai/gpt-4o`), percent-encoded by clients. */
export const modelIdSchema = z.string().min(1, "must not be empty").max(300);

/**
 * The listed model a request names: by id, and by provider where several offer it (400 when that is
 * ambiguous, 404 MODEL_NOT_FOUND when none does).
 */
export function findListedModel(models: ModelView[], id: string, providerId: string | undefined): ModelView {
  const matches = models.filter((m) => m.id === id && (!providerId || m.provider_id === providerId));
  if (matches.length > 1) {
    throw invalid(
      "provider_id",
      `model '${id}' is offered by ${matches.map((m) => m.provider_id).join(", ")}: name one`,
      {
        model_id: id,
        provider_ids: matches.map((m) => m.provider_id),
      },
    );
  }
  const [model] = matches;
  if (!model) {
    const where = providerId ? ` for provider '${providerId}'` : "";
    throw notFound("MODEL_NOT_FOUND", `model '${id}' not found${where}`, {
      model_id: id,
      provider_id: providerId,
    });
  }
  return model;
}
