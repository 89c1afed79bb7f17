import { invalid } from "./errors.js";
import { GATEWAY_CONFIG_KEY, GatewayConfigSchema } from "./gateway-config.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { yamlToObject } from "./yaml.js";

/** Global limits to set in gateway.yaml `budgets:`; null removes a limit, absent keeps it. */
export interface GlobalBudgetPatch {
  monthly_cents?: number | null;
  daily_cents?: number | null;
  warn_at?: number;
}

/**
 * Writes the global limits into gateway.yaml `budgets:` in place, keeping every other key and comment a
 * user wrote. The whole file must still validate, else nothing is written. gateway.yaml is re-read on
 * change, so the new limits apply to the next run without a restart.
 */
export async function writeGlobalBudget(scope: Scope, patch: GlobalBudgetPatch): Promise<void> {
  await scope.store.update(GATEWAY_CONFIG_KEY, (doc) => {
    const next = doc ?? scope.store.emptyDocument();
    // An empty `budgets:` (every line commented out) reads as null: start a map there.
    if (next.get("budgets") == null) next.set("budgets", next.createNode({}));
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) next.deleteIn(["budgets", field]);
      else next.setIn(["budgets", field], value);
    }
    const parsed = GatewayConfigSchema.safeParse(yamlToObject(next));
    if (!parsed.success) throw invalid("budgets", describeIssues(parsed.error).message);
    return next;
  });
}
