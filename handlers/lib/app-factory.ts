import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../context.js";
import { validationError } from "../errors.js";

/** A route-group sub-app whose validation failures become the JSON error envelope (400, field named). */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });
}

/**
 * A route-group sub-app whose one route is documented in the OpenAPI document but served by plain Hono
 * handlers: a WebSocket upgrade, whose handshake is not a JSON request to validate and whose handler
 * answers 101 itself. Its middleware (the role check) stays out: the handlers order their own checks.
 */
export function createDocumentedRouter({ middleware: _middleware, ...route }: RouteConfig) {
  const router = createRouter();
  router.openAPIRegistry.registerPath(route);
  return router;
}
