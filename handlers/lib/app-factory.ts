import { OpenAPIHono } from "@hono/zod-openapi";
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
