import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { Role } from "../../storage/gateway-config.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { errorResponses } from "./schemas.js";

export const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const requireRole = (role: Role) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const caller = c.get("role");
    if (RANK[caller] < RANK[role]) {
      throw new ApiError(
        403,
        "FORBIDDEN_ROLE",
        `this route requires the ${role} role; the caller has ${caller}`,
        {
          required_role: role,
          role: caller,
        },
      );
    }
    await next();
  });

/**
 * Every route is declared through this helper, so each one carries its role check and documents it in
 * the OpenAPI document as `x-required-role` (the README's role matrix is read from there), along with the
 * answers the global middleware can give it: 413 from the body limit where it takes a body, 400 for a
 * credential in the query string and 429 past the failed-attempt limit where it is not public.
 */
export function defineRoute<R extends Omit<RouteConfig, "middleware">>(role: Role | "public", config: R) {
  return createRoute({
    ...config,
    // Typed as declared: the added answers are for the document, not for typed clients.
    responses: {
      ...(role === "public" ? {} : errorResponses(400, 429)),
      ...(config.request?.body ? errorResponses(413) : {}),
      ...config.responses,
    } as R["responses"],
    // Public routes are mounted ahead of the security middleware (see handlers/index.ts).
    middleware: role === "public" ? ([] as const) : ([requireRole(role)] as const),
    "x-required-role": role,
  });
}
