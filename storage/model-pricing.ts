import { StorageError } from "./errors.js";
import { BUILTIN_MODELS } from "./model-catalogue.js";
import { readModelsFile } from "./models-file.js";
import type { ModelPricing } from "./provider-types.js";
import { ProviderRepository } from "./providers.js";
import type { Scope } from "./scopes.js";

export interface PricingLookup {
  global: Scope;
  /** The workspace of the run (its models.yaml and provider files come first); none for global agents. */
  workspace?: Scope;
  /** The provider serving the model, when known: entries tied to another provider are skipped. */
  providerId?: string;
  /** A repository to reuse (its parsed-file cache); one is made when absent. */
  providers?: ProviderRepository;
}

const pricingOf = (p: ModelPricing): ModelPricing => ({
  input: p.input,
  output: p.output,
  ...(p.cache_read !== undefined ? { cache_read: p.cache_read } : {}),
  ...(p.cache_write !== undefined ? { cache_write: p.cache_write } : {}),
});

/** Accounting must not fail on a hand-edited file that does not validate: that layer is skipped. */
async function tolerant<T>(read: Promise<T>, fallback: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof StorageError) return fallback;
    throw error;
  }
}

/**
 * The price of a model in cents per million tokens, for the ledger and native runs. The first layer
 * that prices it wins: the workspace's then the global `models.yaml` (user-editable), then the `models`
 * of provider files (workspace, then global), then the built-in catalogue. Undefined when none does.
 */
export async function findPricing(modelId: string, lookup: PricingLookup): Promise<ModelPricing | undefined> {
  const { global, providerId } = lookup;
  const scopes =
    lookup.workspace && lookup.workspace.kind !== "global" ? [lookup.workspace, global] : [global];
  const sameProvider = (other: string | undefined) => !providerId || !other || other === providerId;

  for (const scope of scopes) {
    const entries = (await tolerant(readModelsFile(scope), null)) ?? [];
    const entry = entries.find((m) => m.id === modelId && m.pricing && sameProvider(m.provider_id));
    if (entry?.pricing) return pricingOf(entry.pricing);
  }

  const repository = lookup.providers ?? new ProviderRepository(global, () => new Date());
  const records = providerId
    ? [await tolerant(repository.find(scopes, providerId), null)].filter((r) => r !== null)
    : (await tolerant(repository.list(scopes), { providers: [], problems: [] })).providers;
  for (const record of records) {
    const model = record.config.models?.find((m) => m.id === modelId && m.pricing);
    if (model?.pricing) return pricingOf(model.pricing);
  }

  const builtin = BUILTIN_MODELS.find((m) => m.id === modelId)?.pricing;
  return builtin ? pricingOf(builtin) : undefined;
}
