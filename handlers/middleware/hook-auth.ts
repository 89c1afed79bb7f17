import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { findApiKey } from "./api-keys.js";
import { bearerToken } from "./bearer-token.js";
import type { FailedAttempts } from "./failed-attempts.js";

export const HOOK_PATH = "/api/hooks/wake";

export function isHookRoute(c: Context<AppEnv>): boolean {
  return c.req.method === "POST" && c.req.path === HOOK_PATH;
}

/**
 * Authenticates the webhook route, called by the security middleware in place of the API-key check (which
 * has already refused credentials in the query string and addresses over the failed-attempt limit).
 * Accepts `Authorization: Bearer <hook token>` (gateway.yaml `hooks.tokens`, compared in constant time
 * like API keys) or an admin API key, and counts every failed attempt against the client address.
 * Resolves false when the request carries no credentials and none are configured, so the loopback-only
 * rules of no-key mode apply.
 */
export async function authenticateHook(c: Context<AppEnv>, attempts: FailedAttempts): Promise<boolean> {
  const config = c.get("gatewayConfig");
  const refuse = (message: string): never => {
    attempts.fail("UNAUTHORIZED");
    throw new ApiError(401, "UNAUTHORIZED", message);
  };
  const bearer = bearerToken(c.req.header("authorization"));
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
    refuse("unknown hook token");
  }
  if (config.hookTokens.length > 0 || config.apiKeys.length > 0) {
    refuse("missing hook token: send Authorization: Bearer <hook token>");
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
