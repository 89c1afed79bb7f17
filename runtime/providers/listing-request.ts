import type { ResolvedProvider } from "../../storage/provider-types.js";

/** The SDKs' own defaults, used when a provider leaves `base_url` out. */
export const DEFAULT_BASE_URLS = {
  anthropic: "https://api.anthropic.com",
  openai: "https://api.openai.com/v1",
} as const;

export const ANTHROPIC_VERSION = "2023-06-01";

/** Anthropic pages its listing (20 by default); ask for the most it allows per page. */
const ANTHROPIC_PAGE_SIZE = 1000;

export interface ListingRequest {
  url: string;
  headers: Record<string, string>;
}

/**
 * The model-listing request of a provider: OpenAI style `GET {base_url}/models` with a Bearer key, or
 * Anthropic's `GET {base_url}/v1/models` with `x-api-key`. The provider's own headers come last, so
 * they can replace the defaults.
 */
export function listingRequest(
  provider: ResolvedProvider,
  afterId?: string,
): ListingRequest | { error: string } {
  const base =
    provider.base_url ??
    (provider.type === "openai-compatible" ? undefined : DEFAULT_BASE_URLS[provider.type]);
  if (!base) return { error: "base_url is required for openai-compatible providers" };
  const root = base.replace(/\/+$/, "");
  const headers: Record<string, string> = { accept: "application/json" };
  let url: string;
  if (provider.type === "anthropic") {
    const query = new URLSearchParams({ limit: String(ANTHROPIC_PAGE_SIZE) });
    if (afterId) query.set("after_id", afterId);
    url = `${root}/v1/models?${query}`;
    headers["anthropic-version"] = ANTHROPIC_VERSION;
    if (provider.api_key) headers["x-api-key"] = provider.api_key;
  } else {
    url = `${root}/models`;
    if (provider.api_key) headers.authorization = `Bearer ${provider.api_key}`;
  }
  return { url, headers: { ...headers, ...provider.headers } };
}

/** Every secret a request may carry, to scrub from anything shown or logged. */
export function providerSecrets(provider: ResolvedProvider): string[] {
  return [provider.api_key, ...Object.values(provider.headers ?? {})].filter(
    // Very short values (e.g. "1") would mangle messages and are no secret worth hiding.
    (s): s is string => typeof s === "string" && s.length >= 4,
  );
}
