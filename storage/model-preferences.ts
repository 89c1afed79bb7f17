import type { Scope } from "./scopes.js";
import { applyPatch, yamlToObject } from "./yaml.js";

// Beside `default_agent` in the global `~/.viben/config.yaml`: a models.yaml would replace the built-in
// catalogue (see models.ts), so switches and defaults must not create one.
const SETTINGS_KEY = "config.yaml";

/** A model named by id, and by provider where the same id is offered by several. */
export interface ModelRef {
  id: string;
  provider_id?: string;
}

/**
 * Which provider and model are the defaults, and which models are switched off, per provider:
 *
 * ```yaml
 * default_provider: my-openai
 * default_model: gpt-5
 * default_model_provider: my-openai
 * disabled_models:
 *   my-openai: [gpt-4o, o4-mini]
 * ```
 */
export interface ModelPreferences {
  defaultProvider: string | null;
  defaultModel: ModelRef | null;
  /** provider id → ids of its models that are switched off. */
  disabled: Map<string, Set<string>>;
}

const nonEmpty = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined;

/** Reads leniently: the file is edited by hand, and a stray value must not break every model listing. */
function parse(data: Record<string, unknown> | undefined): ModelPreferences {
  const disabled = new Map<string, Set<string>>();
  const raw = data?.disabled_models;
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    for (const [providerId, ids] of Object.entries(raw)) {
      if (!Array.isArray(ids)) continue;
      const set = new Set(ids.filter((id): id is string => typeof id === "string" && id.length > 0));
      if (set.size > 0) disabled.set(providerId, set);
    }
  }
  const modelId = nonEmpty(data?.default_model);
  const modelProvider = nonEmpty(data?.default_model_provider);
  return {
    defaultProvider: nonEmpty(data?.default_provider) ?? null,
    defaultModel: modelId ? { id: modelId, ...(modelProvider ? { provider_id: modelProvider } : {}) } : null,
    disabled,
  };
}

function disabledValue(disabled: Map<string, Set<string>>): Record<string, string[]> | null {
  const entries = [...disabled].filter(([, ids]) => ids.size > 0).map(([p, ids]) => [p, [...ids].sort()]);
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

export class ModelPreferencesRepository {
  async read(scope: Scope): Promise<ModelPreferences> {
    return parse((await scope.store.read(SETTINGS_KEY))?.data);
  }

  async setDefaultProvider(scope: Scope, providerId: string | null): Promise<void> {
    await this.patch(scope, () => ({ default_provider: providerId }));
  }

  async setDefaultModel(scope: Scope, model: ModelRef | null): Promise<void> {
    await this.patch(scope, () => ({
      default_model: model?.id ?? null,
      default_model_provider: model?.provider_id ?? null,
    }));
  }

  /** Switches models of one provider on (`true`) or off (`false`) in one write; the others keep their state. */
  async switchModels(scope: Scope, providerId: string, changes: ReadonlyMap<string, boolean>): Promise<void> {
    await this.patch(scope, (current) => {
      const ids = current.disabled.get(providerId) ?? new Set<string>();
      for (const [id, enabled] of changes) {
        if (enabled) ids.delete(id);
        else ids.add(id);
      }
      current.disabled.set(providerId, ids);
      return { disabled_models: disabledValue(current.disabled) };
    });
  }

  /** Read-modify-write under the store's update, so two switches at once do not lose one another. */
  private async patch(
    scope: Scope,
    change: (current: ModelPreferences) => Record<string, unknown>,
  ): Promise<void> {
    await scope.store.update(SETTINGS_KEY, (doc) => {
      const next = doc ?? scope.store.emptyDocument();
      applyPatch(next, change(parse(yamlToObject(next))));
      return next;
    });
  }
}
