/** LLM provider kinds the gateway can call directly. */
export const PROVIDER_TYPES = ["anthropic", "openai", "openai-compatible"] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** A provider ready to call: `${ENV}` references expanded. Never sent to clients or logs as is. */
export interface ResolvedProvider {
  id: string;
  name: string;
  type: ProviderType;
  /** API root, e.g. `https://api.openai.com/v1`; the SDK default when absent. */
  base_url?: string;
  api_key?: string;
  headers?: Record<string, string>;
}

/** Prices in cents per million tokens. */
export interface ModelPricing {
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
}

/** Cost in cents of the given token counts (rounded to 1/10,000 of a cent). */
export function costCents(
  pricing: ModelPricing | undefined,
  tokens: { input: number; output: number; cache_read?: number; cache_write?: number },
): number {
  if (!pricing) return 0;
  const cents =
    (tokens.input * pricing.input +
      tokens.output * pricing.output +
      (tokens.cache_read ?? 0) * (pricing.cache_read ?? pricing.input) +
      (tokens.cache_write ?? 0) * (pricing.cache_write ?? pricing.input)) /
    1_000_000;
  return Math.round(cents * 10_000) / 10_000;
}
