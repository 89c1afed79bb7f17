import { z } from "@hono/zod-openapi";
import type { ResolvedProvider } from "../../storage/provider-types.js";

/** What a provider's model listing answered (`POST /api/providers/{id}/test`). */
export const ProviderCheckSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number(),
  models: z.array(z.object({ id: z.string(), name: z.string().optional() })),
  /** Why the check failed; never contains a key. */
  error: z.string().optional(),
  /** The provider's HTTP status, when it answered. */
  status: z.number().int().optional().openapi({ description: "The provider's HTTP status" }),
  checked_at: z.string(),
});

export type ProviderCheck = z.infer<typeof ProviderCheckSchema>;

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
