import { OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../context.js";
import { ApiError, validationError } from "../errors.js";
import { MAX_JSON_DEPTH, tooDeepPath } from "./json-depth.js";

type ValidationResult = { target: string } & (
  | { success: true; data: unknown }
  | { success: false; error: z.ZodError }
);

/**
 * Every validated request part passes here: a failure becomes the JSON error envelope (400, field named),
 * and a JSON body nested deeper than MAX_JSON_DEPTH is refused before any handler stores it.
 */
export function validationHook(result: ValidationResult): void {
  if (!result.success) throw validationError(result.error, result.target);
  if (result.target !== "json") return;
  const path = tooDeepPath(result.data);
  if (!path) return;
  const field = path.length > 0 ? String(path[0]) : "(root)";
  const shown = path.slice(0, 8).join(".") + (path.length > 8 ? ".…" : "");
  throw new ApiError(
    400,
    "JSON_TOO_DEEP",
    `invalid body: ${field}: nested deeper than ${MAX_JSON_DEPTH} levels (at ${shown})`,
    {
      target: "body",
      field,
      max_depth: MAX_JSON_DEPTH,
      path: path.slice(0, 8),
    },
  );
}

/** A route-group sub-app whose validation failures become the JSON error envelope (400, field named). */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
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
