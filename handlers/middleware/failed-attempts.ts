import type { Context } from "hono";
import type { AppEnv, Services } from "../context.js";
import { ApiError } from "../errors.js";

/** Failed credential attempts (API keys and hook tokens together) allowed per client address and window. */
export const FAILURE_LIMIT = 10;
export const FAILURE_WINDOW_MS = 60_000;
const MAX_TRACKED_ADDRESSES = 10_000;

/** Failure timestamps per client address in a sliding window: a guesser is slowed, a sender is not. */
class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  /** Milliseconds until the address may try again; 0 when it may now. */
  retryAfter(address: string, now: number): number {
    // Every request asks: an address without failures costs one map lookup.
    if ((this.failures.get(address)?.length ?? 0) < FAILURE_LIMIT) return 0;
    const recent = this.recent(address, now);
    if (recent.length < FAILURE_LIMIT) return 0;
    return recent[recent.length - FAILURE_LIMIT]! + FAILURE_WINDOW_MS - now;
  }

  fail(address: string, now: number): void {
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) {
      for (const key of this.failures.keys())
        if (this.recent(key, now).length === 0) this.failures.delete(key);
    }
    this.failures.set(address, [...this.recent(address, now), now].slice(-FAILURE_LIMIT));
  }

  private recent(address: string, now: number): number[] {
    return (this.failures.get(address) ?? []).filter((t) => now - t < FAILURE_WINDOW_MS);
  }
}

// One limiter per app instance (tests build many apps in one process).
const limiters = new WeakMap<Services, FailureLimiter>();
export function limiterFor(services: Services): FailureLimiter {
  const known = limiters.get(services);
  if (known) return known;
  const limiter = new FailureLimiter();
  limiters.set(services, limiter);
  // Several instances: failures counted elsewhere count here too (for the app's life).
  services.sharedFailures?.subscribe((address, at) => limiter.fail(address, at));
  return limiter;
}

export interface FailedAttempts {
  /** 429 TOO_MANY_FAILED_ATTEMPTS with Retry-After while the caller's address is over the limit. */
  refuseWhileLimited(): void;
  /** Counts a failed attempt against the caller's address and logs it (never the credential). */
  fail(code: string): void;
}

/**
 * The failed-attempt limit of the caller's address: one limiter for API keys and hook tokens, so a guesser
 * cannot double its tries by switching between them. The clock is the app's (tests move it).
 */
export function failedAttempts(c: Context<AppEnv>): FailedAttempts {
  const services = c.get("services");
  const address = services.remoteAddress?.(c) ?? "unknown";
  const limiter = limiterFor(services);
  const now = () => services.clock.now().getTime();
  return {
    refuseWhileLimited() {
      const wait = limiter.retryAfter(address, now());
      if (wait <= 0) return;
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      c.header("Retry-After", String(seconds));
      throw new ApiError(
        429,
        "TOO_MANY_FAILED_ATTEMPTS",
        `too many failed attempts with an API key or hook token from this address; retry in ${seconds} s`,
        { retry_after: seconds },
      );
    },
    fail(code) {
      const at = now();
      limiter.fail(address, at);
      services.sharedFailures?.publish(address, at);
      services.logger.warn({ msg: "rejected credentials", code, address, request_id: c.get("requestId") });
    },
  };
}
