import { expandEnv } from "./env.js";
import { builtinEnvKey, findBuiltinProvider } from "./provider-builtins.js";
import { connectionProblem, type ProviderConfig } from "./provider-schema.js";
import type { ResolvedProvider } from "./provider-types.js";
import type { Scope } from "./scopes.js";

export type ProviderSource = "global" | "workspace" | "builtin";

export interface ProviderRecord {
  id: string;
  source: ProviderSource;
  /** The scope of the file; the global scope for a built-in provider. */
  scope: Scope;
  /** Absent for a built-in provider, which has no file. */
  configPath?: string;
  config: ProviderConfig;
}

export type ProviderResolution =
  | { configured: true; provider: ResolvedProvider }
  | { configured: false; reason: string };

type Env = Readonly<Record<string, string | undefined>>;

/** Expands `${NAME}` references; an unset or empty variable leaves the provider unconfigured. */
function expandSecret(field: string, value: string, env: Env): { value: string } | { reason: string } {
  const { value: expanded, missing } = expandEnv(value, env);
  if (missing.length > 0) {
    const names = missing.join(", ");
    return { reason: `${field}: environment variable ${names} ${missing.length > 1 ? "are" : "is"} not set` };
  }
  return { value: expanded };
}

/**
 * Turns a provider record into a provider ready to call, or the reason it cannot be called. Reasons
 * name fields and variables, never their values.
 */
export function resolveProviderRecord(record: ProviderRecord, env: Env): ProviderResolution {
  const { config } = record;
  const problem = connectionProblem(config);
  if (problem) return { configured: false, reason: problem };
  // A switched-off provider is not called by anyone: native runs, model listings, checks.
  if (config.enabled === false)
    return { configured: false, reason: "disabled (POST /api/providers/{id}/enable)" };
  const builtin = record.source === "builtin" ? findBuiltinProvider(record.id) : undefined;
  if (builtin?.keyless && !builtinEnvKey(builtin, env)) {
    return { configured: false, reason: `environment variable ${builtin.envKeys.join(" or ")} is not set` };
  }
  let apiKey: string | undefined;
  if (config.api_key !== undefined) {
    const expanded = expandSecret("api_key", config.api_key, env);
    if ("reason" in expanded) return { configured: false, reason: expanded.reason };
    apiKey = expanded.value;
  }
  let headers: Record<string, string> | undefined;
  if (config.headers) {
    headers = {};
    for (const [name, raw] of Object.entries(config.headers)) {
      const expanded = expandSecret(`headers.${name}`, raw, env);
      if ("reason" in expanded) return { configured: false, reason: expanded.reason };
      headers[name] = expanded.value;
    }
  }
  return {
    configured: true,
    provider: {
      id: record.id,
      name: config.name ?? record.id,
      type: config.type,
      ...(config.base_url ? { base_url: config.base_url } : {}),
      ...(apiKey !== undefined ? { api_key: apiKey } : {}),
      ...(headers ? { headers } : {}),
    },
  };
}
