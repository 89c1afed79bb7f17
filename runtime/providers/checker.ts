import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ProviderCheck, ProviderChecker } from "../../handlers/capabilities/providers.js";
import type { ResolvedProvider } from "../../storage/provider-types.js";
import { DEFAULT_CHECK_TIMEOUT_MS, fetchModelListing } from "./model-listing.js";

export interface ProviderCheckerOptions {
  /** How long one check may take (default 10 s). */
  timeoutMs?: number;
  /** How long a successful listing is reused by /api/models (default 5 min). */
  ttlMs?: number;
  /** How long a failed one is (default 30 s): a provider that was down is asked again soon. */
  failureTtlMs?: number;
  /** How long /api/models waits for a listing that is not cached (default 1 s). */
  listingWaitMs?: number;
  /** How many provider configurations are remembered. */
  maxEntries?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  logger?: Logger;
}

/**
 * The key of a provider configuration: a change of address, key or headers starts afresh (a fixed key
 * must not stay "failed"). Hashed, so that keys are not held as map keys.
 */
function fingerprint(provider: ResolvedProvider): string {
  const headers = Object.entries(provider.headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const material = JSON.stringify([provider.id, provider.type, provider.base_url, provider.api_key, headers]);
  return createHash("sha256").update(material).digest("hex");
}

/** Remembers the last check of each provider configuration, and serves cached listings with a TTL. */
export class ProviderCheckCache implements ProviderChecker {
  // Stale entries stay (a listing falls back to the last answer), so age is kept here, not as an LRU TTL.
  private readonly entries: LRUCache<string, { check: ProviderCheck; at: number }>;
  private readonly inflight = new Map<string, Promise<ProviderCheck>>();

  constructor(private readonly options: ProviderCheckerOptions = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 256 });
  }

  async check(provider: ResolvedProvider, options: { timeoutMs?: number } = {}): Promise<ProviderCheck> {
    return this.start(fingerprint(provider), provider, options.timeoutMs);
  }

  last(provider: ResolvedProvider): ProviderCheck | undefined {
    return this.entries.get(fingerprint(provider))?.check;
  }

  async listing(
    provider: ResolvedProvider,
    options: { waitMs?: number } = {},
  ): Promise<ProviderCheck | undefined> {
    const key = fingerprint(provider);
    const entry = this.entries.get(key);
    const ttl = entry?.check.ok ? (this.options.ttlMs ?? 5 * 60_000) : (this.options.failureTtlMs ?? 30_000);
    if (entry && this.nowMs() - entry.at < ttl) return entry.check;
    const pending = this.inflight.get(key) ?? this.start(key, provider);
    const waitMs = options.waitMs ?? this.options.listingWaitMs ?? 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<undefined>((done) => {
      timer = setTimeout(() => done(undefined), waitMs);
    });
    try {
      // A slow provider delays a listing by waitMs at most; until it answers, the older answer stands.
      return (await Promise.race([pending, gaveUp])) ?? entry?.check;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts a check that listings asked for meanwhile join rather than starting their own. */
  private start(key: string, provider: ResolvedProvider, timeoutMs?: number): Promise<ProviderCheck> {
    const pending: Promise<ProviderCheck> = this.run(key, provider, timeoutMs).finally(() => {
      if (this.inflight.get(key) === pending) this.inflight.delete(key);
    });
    this.inflight.set(key, pending);
    return pending;
  }

  private async run(key: string, provider: ResolvedProvider, timeoutMs?: number): Promise<ProviderCheck> {
    const check = await fetchModelListing(provider, {
      timeoutMs: timeoutMs ?? this.options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      fetch: this.options.fetch,
      now: this.options.now,
    });
    this.remember(key, check);
    this.options.logger?.info({
      msg: "provider check",
      provider_id: provider.id,
      ok: check.ok,
      latency_ms: check.latency_ms,
      models: check.models.length,
      ...(check.error ? { error: check.error } : {}),
    });
    return check;
  }

  private remember(key: string, check: ProviderCheck): void {
    this.entries.set(key, { check, at: this.nowMs() });
  }

  private nowMs(): number {
    return (this.options.now?.() ?? new Date()).getTime();
  }
}

export function createProviderChecker(options: ProviderCheckerOptions = {}): ProviderChecker {
  return new ProviderCheckCache(options);
}
