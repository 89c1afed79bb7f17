import type { ResolvedProvider } from "../../storage/provider-types.js";

/** What a provider's model listing answered (`POST /api/providers/{id}/test`). */
export interface ProviderCheck {
  ok: boolean;
  latency_ms: number;
  models: { id: string; name?: string }[];
  /** Why the check failed; never contains a key. */
  error?: string;
  /** The provider's HTTP status, when it answered. */
  status?: number;
  checked_at: string;
}

/**
 * Asks LLM providers for their model lists and remembers the answers in memory, per provider
 * configuration (Node; absent on Workers, where the test route answers 501).
 */
export interface ProviderChecker {
  /** Asks the provider now; never throws: errors and timeouts are `ok: false`. */
  check(provider: ResolvedProvider, options?: { timeoutMs?: number }): Promise<ProviderCheck>;
  /** The last answer remembered for this provider, without asking. */
  last(provider: ResolvedProvider): ProviderCheck | undefined;
  /**
   * The answer for /api/models: the remembered one while fresh, else asks again but waits at most
   * `waitMs` (the request goes on in the background and fills the cache).
   */
  listing(provider: ResolvedProvider, options?: { waitMs?: number }): Promise<ProviderCheck | undefined>;
}
