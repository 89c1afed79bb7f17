import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { Role } from "../../storage/gateway-config.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { errorResponses, otherErrorResponse } from "./schemas.js";

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
 * What every route behind the security middleware can answer whatever its handler does: 401 (API keys
 * configured, none or an unknown one sent), 403 (a role too low, or in no-key mode a remote client, a
 * foreign Host or Origin), 422 (gateway.yaml does not parse or validate when first read), 400 for a
 * credential in the query string and 429 past the failed-attempt limit.
 */
const GUARDED_ROUTE_ERRORS = errorResponses(401, 403, 422);

/** A route declaration: a stable, unique camelCase `operationId` (`listAgents`) and a summary are required. */
export type RouteDefinition = Omit<RouteConfig, "middleware"> & { operationId: string; summary: string };

/**
 * Every route is declared through this helper, so each one carries its role check and documents it in
 * the OpenAPI document as `x-required-role` (the README's role matrix is read from there), together with
 * the error answers of the middleware in front of it and the envelope of any other error.
 */
export function defineRoute<R extends RouteDefinition>(role: Role | "public", config: R) {
  return createRoute({
    ...config,
    // Typed as declared: the added answers are for the document, not for typed clients. Public routes
    // are mounted ahead of the security middleware (see handlers/index.ts), so only the body limit applies.
    responses: {
      ...(role === "public" ? {} : { ...GUARDED_ROUTE_ERRORS, ...errorResponses(400, 429) }),
      ...(config.request?.body ? errorResponses(413) : {}),
      ...config.responses,
      ...otherErrorResponse,
    } as R["responses"],
    middleware: role === "public" ? ([] as const) : ([requireRole(role)] as const),
    "x-required-role": role,
  });
}
