import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";
import { lazyRouteOf } from "../lib/lazy-routes.js";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Who made the request, for the audit: a key's or hook token's name, never the secret. */
export function auditActor(c: Context<AppEnv>): string {
  const key = c.get("keyName");
  if (key) return key;
  const hook = c.get("hookToken");
  if (hook) return `hook:${hook}`;
  return c.get("gatewayConfig")?.apiKeys.length ? "anonymous" : "local";
}

/** The code of the error envelope the request ended with, when it ended with one. */
function errorCode(c: Context<AppEnv>): string | undefined {
  const code = (c.error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Audits every request behind it (mounted just ahead of the security middleware, so refused credentials are
 * seen too): a key's use (coalesced per key and minute), failed authentication and refused roles, and every
 * mutating call with its route template and status. Recording only queues the entry (storage/audit-log.ts),
 * so the request does not wait for the disk.
 */
export const auditRequests = createMiddleware<AppEnv>(async (c, next) => {
  const audit = c.get("services").audit;
  if (!audit) return next();
  await next();
  const status = c.res.status;
  const method = c.req.method;
  const address = c.get("services").remoteAddress?.(c);
  const key = c.get("keyName");
  if (key) audit.keyUsed(key, address ? { address } : {});
  const code = errorCode(c);
  const base = {
    method,
    path: c.req.path,
    status,
    request_id: c.get("requestId"),
    ...(address ? { address } : {}),
  };
  if (status === 401 || code === "TOO_MANY_FAILED_ATTEMPTS" || code === "TOKEN_IN_QUERY") {
    audit.record({
      actor: auditActor(c),
      action: "auth.failed",
      resource: c.req.path,
      outcome: "denied",
      details: { ...base, code },
    });
    return;
  }
  if (status === 403) {
    audit.record({
      actor: auditActor(c),
      action: "auth.forbidden",
      resource: c.req.path,
      outcome: "denied",
      details: { ...base, code },
    });
    return;
  }
  if (!MUTATING.has(method)) return;
  audit.record({
    actor: auditActor(c),
    action: `api.${method.toLowerCase()}`,
    resource: c.req.path,
    outcome: status < 400 ? "ok" : "error",
    details: { ...base, route: (await lazyRouteOf(c)) ?? c.req.routePath, ...(code ? { code } : {}) },
  });
});
