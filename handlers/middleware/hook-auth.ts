import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, Services } from "../context.js";
import { ApiError } from "../errors.js";
import { findApiKey } from "./security.js";

export const HOOK_PATH = "/api/hooks/wake";
/** Failed token attempts allowed per client address and window before 429. */
export const HOOK_FAILURE_LIMIT = 10;
export const HOOK_FAILURE_WINDOW_MS = 60_000;
// Query parameters that would put a secret into URLs (and so into proxy and access logs).
const TOKEN_PARAMS = ["token", "access_token", "hook_token", "api_key", "key"];
const MAX_TRACKED_ADDRESSES = 10_000;

export function isHookRoute(c: Context<AppEnv>): boolean {
  return c.req.method === "POST" && c.req.path === HOOK_PATH;
}

/** Failure timestamps per client address in a sliding window: a guesser is slowed, a sender is not. */
class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  /** Milliseconds until the address may try again; 0 when it may now. */
  retryAfter(address: string, now: number): number {
    const recent = this.recent(address, now);
    if (recent.length < HOOK_FAILURE_LIMIT) return 0;
    return recent[recent.length - HOOK_FAILURE_LIMIT]! + HOOK_FAILURE_WINDOW_MS - now;
  }

  fail(address: string, now: number): void {
    if (this.failures.size >= MAX_TRACKED_ADDRESSES) {
      for (const key of this.failures.keys())
        if (this.recent(key, now).length === 0) this.failures.delete(key);
    }
    this.failures.set(address, [...this.recent(address, now), now].slice(-HOOK_FAILURE_LIMIT));
  }

  private recent(address: string, now: number): number[] {
    return (this.failures.get(address) ?? []).filter((t) => now - t < HOOK_FAILURE_WINDOW_MS);
  }
}

// One limiter per app instance (tests build many apps in one process).
const limiters = new WeakMap<Services, FailureLimiter>();
function limiterFor(services: Services): FailureLimiter {
  const known = limiters.get(services);
  if (known) return known;
  const limiter = new FailureLimiter();
  limiters.set(services, limiter);
  return limiter;
}

/**
 * Authenticates the webhook route, called by the security middleware in place of the API-key check.
 * Accepts `Authorization: Bearer <hook token>` (gateway.yaml `hooks.tokens`, compared in constant time
 * like API keys) or an admin API key; refuses tokens in the query string; counts every failed attempt
 * per client address and answers 429 with Retry-After past the limit. Resolves false when the request
 * carries no credentials and none are configured, so the loopback-only rules of no-key mode apply.
 */
export async function authenticateHook(c: Context<AppEnv>): Promise<boolean> {
  const services = c.get("services");
  const config = c.get("gatewayConfig");
  const address = services.remoteAddress?.(c) ?? "unknown";
  const limiter = limiterFor(services);
  const now = services.clock.now().getTime();
  const wait = limiter.retryAfter(address, now);
  if (wait > 0) {
    const seconds = Math.max(1, Math.ceil(wait / 1000));
    c.header("Retry-After", String(seconds));
    throw new ApiError(
      429,
      "TOO_MANY_FAILED_ATTEMPTS",
      `too many failed hook token attempts; retry in ${seconds} s`,
      {
        retry_after: seconds,
      },
    );
  }
  const refuse = (status: 400 | 401, code: string, message: string): never => {
    limiter.fail(address, now);
    services.logger.warn({ msg: "rejected hook request", code, address, request_id: c.get("requestId") });
    throw new ApiError(status, code, message);
  };
  const query = new URL(c.req.url).searchParams;
  const param = TOKEN_PARAMS.find((p) => query.has(p));
  if (param) {
    refuse(
      400,
      "TOKEN_IN_QUERY",
      `${param}: hook tokens are never accepted in the query string; send Authorization: Bearer <hook token>`,
    );
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization")?.trim() ?? "")?.[1];
  if (bearer) {
    const asKeys = config.hookTokens.map((t) => ({ name: t.name, key: t.token, role: "viewer" as const }));
    const token = await findApiKey(bearer, asKeys);
    if (token) {
      c.set("hookToken", token.name);
      return true;
    }
    const key = await findApiKey(bearer, config.apiKeys);
    if (key?.role === "admin") {
      c.set("role", "admin");
      c.set("keyName", key.name);
      return true;
    }
    if (key) {
      throw new ApiError(
        403,
        "FORBIDDEN_ROLE",
        `API key '${key.name}' (${key.role}) does not open the webhook route: send a hook token`,
        {
          required_role: "admin",
          role: key.role,
        },
      );
    }
    refuse(401, "UNAUTHORIZED", "unknown hook token");
  }
  if (config.hookTokens.length > 0 || config.apiKeys.length > 0) {
    refuse(401, "UNAUTHORIZED", "missing hook token: send Authorization: Bearer <hook token>");
  }
  return false;
}

/** The hook route's own check, in place of a role: a hook token, or the admin role. */
export const requireHookCaller = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.get("hookToken") && c.get("role") !== "admin") {
    throw new ApiError(403, "FORBIDDEN_ROLE", "the webhook route takes a hook token or an admin API key");
  }
  await next();
});
