import { PROVIDER_TYPES, type ProviderType } from "./provider-types.js";

/**
 * Provider types Viben's desktop offers that speak one of the APIs this gateway calls: each becomes that
 * type, with the provider's public API root when the client names none. (Media-only and Azure types are
 * not among them: they need calls this gateway does not make.)
 */
const VIBEN_TYPE_ALIASES: Readonly<Record<string, { type: ProviderType; base_url?: string }>> = {
  "openai-responses": { type: "openai" },
  ollama: { type: "openai-compatible", base_url: "http://127.0.0.1:11434/v1" },
  google: { type: "openai-compatible", base_url: "https://generativelanguage.googleapis.com/v1beta/openai" },
  groq: { type: "openai-compatible", base_url: "https://api.groq.com/openai/v1" },
  openrouter: { type: "openai-compatible", base_url: "https://openrouter.ai/api/v1" },
  grok: { type: "openai-compatible", base_url: "https://api.x.ai/v1" },
};

/** Every `type` a client may send: ours, then Viben's aliases. */
export const PROVIDER_TYPE_INPUTS = [...PROVIDER_TYPES, ...Object.keys(VIBEN_TYPE_ALIASES)] as [
  string,
  ...string[],
];

/** A client's `type` (and `base_url`) as stored: an alias becomes its type and default API root. */
export function canonicalProviderType(
  type: string,
  baseUrl: string | null | undefined,
): { type: ProviderType; base_url: string | null | undefined } {
  const alias = VIBEN_TYPE_ALIASES[type];
  if (!alias) return { type: type as ProviderType, base_url: baseUrl };
  return { type: alias.type, base_url: baseUrl ?? alias.base_url };
}
