import { z } from "zod";
import { StorageError } from "./errors.js";
import {
  BUILTIN_MODELS,
  BUILTIN_PROVIDER_NAMES,
  type ModelEntry,
  PROVIDER_ENV_KEYS,
} from "./model-catalogue.js";
import { listProviderFiles } from "./providers.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";

const PricingSchema = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cache_read: z.number().nonnegative().optional(),
    cache_write: z.number().nonnegative().optional(),
  })
  .loose();

const ModelFileEntrySchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    provider_id: z.string().optional(),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    pricing: PricingSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .loose();

const ModelsFileSchema = z.object({ models: z.array(ModelFileEntrySchema).default([]) }).loose();

type ModelFileEntry = z.infer<typeof ModelFileEntrySchema>;

export interface ModelView {
  id: string;
  name: string;
  provider_id: string;
  provider_name: string;
  context_window: number;
  max_output_tokens?: number;
  pricing?: ModelEntry["pricing"];
  is_available: boolean;
  has_workspace_override: boolean;
  source: "global" | "workspace" | "builtin";
  workspace_path: string;
}

const MODELS_KEY = "models.yaml";

async function readModelsFile(scope: Scope): Promise<ModelFileEntry[] | null> {
  const stored = await scope.store.read(MODELS_KEY);
  if (!stored) return null;
  const parsed = ModelsFileSchema.safeParse(stored.data);
  if (!parsed.success) {
    throw new StorageError(
      "corrupt",
      "INVALID_MODELS_FILE",
      `${scope.store.pathOf(MODELS_KEY)}: ${describeIssues(parsed.error).message}`,
    );
  }
  return parsed.data.models;
}

function complete(entry: ModelFileEntry, base?: ModelEntry): ModelEntry {
  return {
    id: entry.id,
    name: entry.name ?? base?.name ?? entry.id,
    provider_id: entry.provider_id ?? base?.provider_id ?? "unknown",
    context_window: entry.context_window ?? base?.context_window ?? 0,
    max_output_tokens: entry.max_output_tokens ?? base?.max_output_tokens,
    pricing: entry.pricing ?? base?.pricing,
  };
}

/**
 * The model list: the global `models.yaml` (or the built-in catalogue when there is none), with a
 * workspace `models.yaml` overriding entries by id and adding its own. `include_global=false` keeps only
 * the models the workspace file defines.
 */
export async function listModels(options: {
  global: Scope;
  workspace: Scope;
  includeGlobal: boolean;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<ModelView[]> {
  const { global, workspace, includeGlobal, env } = options;
  const isHome = workspace.kind === "global";
  const globalFile = await readModelsFile(global);
  const globalSource = globalFile ? "global" : "builtin";
  const globalModels = globalFile
    ? globalFile
        .filter((m) => !m.disabled)
        .map((m) =>
          complete(
            m,
            BUILTIN_MODELS.find((b) => b.id === m.id),
          ),
        )
    : BUILTIN_MODELS;
  const overrides = isHome ? [] : ((await readModelsFile(workspace)) ?? []);
  const overrideById = new Map(overrides.map((o) => [o.id, o]));

  const providers = await listProviderFiles(isHome ? [global] : [workspace, global]);
  const providerNames = new Map(providers.map((p) => [p.id, p.name]));
  const configured = (providerId: string) =>
    providerNames.has(providerId) || (PROVIDER_ENV_KEYS[providerId] ?? []).some((k) => Boolean(env[k]));

  const view = (model: ModelEntry, source: ModelView["source"], overridden: boolean): ModelView => ({
    ...model,
    provider_name:
      providerNames.get(model.provider_id) ?? BUILTIN_PROVIDER_NAMES[model.provider_id] ?? model.provider_id,
    is_available: configured(model.provider_id),
    has_workspace_override: overridden,
    source,
    workspace_path: overridden ? workspace.workspacePath : global.workspacePath,
  });

  const result: ModelView[] = [];
  const seen = new Set<string>();
  if (includeGlobal || isHome) {
    for (const model of globalModels) {
      const override = overrideById.get(model.id);
      seen.add(model.id);
      if (override?.disabled) continue;
      result.push(
        override ? view(complete(override, model), "workspace", true) : view(model, globalSource, false),
      );
    }
  }
  for (const override of overrides) {
    if (seen.has(override.id) || override.disabled) continue;
    result.push(
      view(
        complete(
          override,
          BUILTIN_MODELS.find((b) => b.id === override.id),
        ),
        "workspace",
        true,
      ),
    );
  }
  return result;
}
