import { BUILTIN_MODELS, BUILTIN_PROVIDER_NAMES, type ModelEntry } from "./model-catalogue.js";
import type { ModelPreferences } from "./model-preferences.js";
import { type ModelFileEntry, readModelsFile } from "./models-file.js";
import { resolveProviderRecord } from "./provider-resolve.js";
import type { ResolvedProvider } from "./provider-types.js";
import { type ProviderRecord, ProviderRepository, type ProviderResolution } from "./providers.js";
import type { Scope } from "./scopes.js";

export { findPricing, type PricingLookup } from "./model-pricing.js";

export interface ModelView {
  id: string;
  name: string;
  provider_id: string;
  provider_name: string;
  /** How the gateway calls the provider (Viben's `provider_type`); the provider id when it is unknown. */
  provider_type: string;
  context_window: number;
  max_output_tokens?: number;
  pricing?: ModelEntry["pricing"];
  is_available: boolean;
  /** Switched on (Viben's enable/disable); a switched-off model is still listed. */
  enabled: boolean;
  is_default: boolean;
  has_workspace_override: boolean;
  source: "global" | "workspace" | "builtin";
  workspace_path: string;
}

/** What a provider's model listing last answered (the runtime's check, or a cached fetch). */
export interface RemoteListing {
  ok: boolean;
  models: { id: string; name?: string }[];
}

/** Supplies a configured provider's remote listing, if the runtime has one at hand. */
export type RemoteListingSource = (provider: ResolvedProvider) => Promise<RemoteListing | undefined>;

interface ProviderState {
  record: ProviderRecord;
  resolution: ProviderResolution;
  listing?: RemoteListing;
}

interface Candidate {
  model: ModelEntry;
  source: ModelView["source"];
  overridden: boolean;
  workspacePath: string;
}

/** Some fields of a model entry, from one layer of configuration. */
type Layer = { [K in keyof ModelEntry]?: ModelEntry[K] | undefined };

/** Field by field, the first layer that has a value wins. */
function complete(id: string, ...layers: (Layer | undefined)[]): ModelEntry {
  const pick = <K extends keyof ModelEntry>(key: K) => layers.find((l) => l?.[key] !== undefined)?.[key];
  const pricing = pick("pricing");
  const maxOutput = pick("max_output_tokens");
  return {
    id,
    name: pick("name") ?? id,
    provider_id: pick("provider_id") ?? "unknown",
    context_window: pick("context_window") ?? 0,
    ...(maxOutput !== undefined ? { max_output_tokens: maxOutput } : {}),
    ...(pricing ? { pricing: { ...pricing } } : {}),
  };
}

const builtinModel = (id: string) => BUILTIN_MODELS.find((b) => b.id === id);
const keyOf = (providerId: string, id: string) => `${providerId}\u0000${id}`;
const matches = (entry: ModelFileEntry, model: ModelEntry) =>
  entry.id === model.id && (!entry.provider_id || entry.provider_id === model.provider_id);

/** Models a provider offers: its file's `models`, then what its remote listing added. */
function providerModels(state: ProviderState): ModelEntry[] {
  const { record, listing } = state;
  const fromFile = (record.config.models ?? []).map((m) =>
    complete(m.id, { ...m, provider_id: record.id }, builtinModel(m.id)),
  );
  const known = new Set(fromFile.map((m) => m.id));
  const fromRemote = (listing?.ok ? listing.models : [])
    .filter((m) => !known.has(m.id))
    .map((m) => complete(m.id, { name: m.name, provider_id: record.id }, builtinModel(m.id)));
  return [...fromFile, ...fromRemote];
}

async function providerStates(
  scopes: Scope[],
  repository: ProviderRepository,
  env: Readonly<Record<string, string | undefined>>,
  remote: RemoteListingSource | undefined,
): Promise<ProviderState[]> {
  const { providers } = await repository.list(scopes, env);
  return Promise.all(
    providers.map(async (record) => {
      const resolution = resolveProviderRecord(record, env);
      const listing = resolution.configured && remote ? await remote(resolution.provider) : undefined;
      return { record, resolution, ...(listing ? { listing } : {}) };
    }),
  );
}

/**
 * The model list, merged from (first wins for a provider and model id):
 * the global `models.yaml` (or the built-in catalogue when there is none); the providers' catalogues
 * (the `models` of their files, then their remote listings); a workspace `models.yaml`, which overrides
 * entries by id and adds its own. `include_global=false` keeps the workspace's `models.yaml` and the
 * workspace's provider files. A model is available when its provider resolves (its key variables are
 * set) and the provider's last check, if any, did not fail. Fields missing from an entry are taken from
 * the provider file, then from the built-in catalogue.
 */
export async function listModels(options: {
  global: Scope;
  workspace: Scope;
  includeGlobal: boolean;
  env: Readonly<Record<string, string | undefined>>;
  providers?: ProviderRepository;
  remote?: RemoteListingSource;
  /** Default model and switched-off models; none when absent. */
  preferences?: ModelPreferences;
}): Promise<ModelView[]> {
  const { global, workspace, includeGlobal, env } = options;
  const isHome = workspace.kind === "global";
  const listGlobal = includeGlobal || isHome;
  const globalFile = await readModelsFile(global);
  const overrides = isHome ? [] : ((await readModelsFile(workspace)) ?? []);
  const repository = options.providers ?? new ProviderRepository(global, () => new Date());
  const states = await providerStates(
    isHome ? [global] : [workspace, global],
    repository,
    env,
    options.remote,
  );
  const stateById = new Map(states.map((s) => [s.record.id, s]));
  const catalogue = states.flatMap((state) => providerModels(state).map((model) => ({ state, model })));
  const fromProvider = (id: string, providerId?: string) =>
    catalogue.find((c) => c.model.id === id && (!providerId || c.model.provider_id === providerId))?.model;
  const fromFile = (entry: ModelFileEntry, base?: ModelEntry) =>
    complete(entry.id, entry, base, fromProvider(entry.id, entry.provider_id), builtinModel(entry.id));

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const add = (candidate: Candidate) => {
    const key = keyOf(candidate.model.provider_id, candidate.model.id);
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push(candidate);
  };
  const hidden = (model: ModelEntry) => (globalFile ?? []).some((e) => e.disabled && matches(e, model));

  const globalModels = globalFile
    ? globalFile.filter((e) => !e.disabled).map((e) => fromFile(e))
    : BUILTIN_MODELS.map((m) => complete(m.id, m));
  if (listGlobal) {
    for (const model of globalModels) {
      add({
        model,
        source: globalFile ? "global" : "builtin",
        overridden: false,
        workspacePath: global.workspacePath,
      });
    }
  }
  for (const { state, model } of catalogue) {
    const { record } = state;
    if (!listGlobal && record.source !== "workspace") continue;
    if (listGlobal && hidden(model)) continue;
    add({
      model,
      source: record.source,
      overridden: record.source === "workspace",
      workspacePath: record.scope.workspacePath,
    });
  }
  for (const entry of overrides) {
    const index = candidates.findIndex((c) => matches(entry, c.model));
    const existing = index >= 0 ? candidates[index] : undefined;
    if (entry.disabled) {
      if (existing) candidates.splice(index, 1);
      continue;
    }
    // Without the global list (include_global=false) an override still inherits the global entry's fields.
    const model = fromFile(entry, existing?.model ?? globalModels.find((m) => matches(entry, m)));
    const candidate = {
      model,
      source: "workspace" as const,
      overridden: true,
      workspacePath: workspace.workspacePath,
    };
    if (existing) candidates[index] = candidate;
    else add(candidate);
  }

  const defaultModel = options.preferences?.defaultModel;
  // A default named without its provider marks the first model with that id only.
  const defaultIndex = defaultModel
    ? candidates.findIndex(
        ({ model }) =>
          model.id === defaultModel.id &&
          (!defaultModel.provider_id || model.provider_id === defaultModel.provider_id),
      )
    : -1;
  return candidates.map(({ model, source, overridden, workspacePath }, index) => {
    const state = stateById.get(model.provider_id);
    return {
      ...model,
      provider_name:
        state?.record.config.name ?? BUILTIN_PROVIDER_NAMES[model.provider_id] ?? model.provider_id,
      provider_type: state?.record.config.type ?? model.provider_id,
      is_available: Boolean(state?.resolution.configured) && state?.listing?.ok !== false,
      enabled: !options.preferences?.disabled.get(model.provider_id)?.has(model.id),
      is_default: index === defaultIndex,
      has_workspace_override: overridden,
      source,
      workspace_path: workspacePath,
    };
  });
}
