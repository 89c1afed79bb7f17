import type { Scope } from "./scopes.js";
import { applyPatch } from "./yaml.js";

const SETTINGS_KEY = "config.yaml";

/** Scope-level settings in `<root>/config.yaml` (currently the default agent); other keys are kept. */
export class SettingsRepository {
  async defaultAgent(scope: Scope): Promise<string | null> {
    const stored = await scope.store.read(SETTINGS_KEY);
    const value = stored?.data.default_agent;
    return typeof value === "string" && value.length > 0 ? value : null;
  }

  async setDefaultAgent(scope: Scope, agentId: string | null): Promise<void> {
    await scope.store.update(SETTINGS_KEY, (doc) => {
      const next = doc ?? scope.store.emptyDocument();
      applyPatch(next, { default_agent: agentId });
      return next;
    });
  }
}
