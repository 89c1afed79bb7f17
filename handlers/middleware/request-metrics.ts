import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../context.js";
import { lazyRouteOf } from "../lib/lazy-routes.js";

/** Label of requests that matched no route (404s, and scans of random paths), so series stay few. */
export const UNMATCHED_ROUTE = "(unmatched)";

/**
 * Records each request's method, route pattern, status and time to response into the telemetry
 * capability (absent on Workers: then it only passes through). Portable: Web APIs only.
 */
export const requestMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const telemetry = c.get("services").telemetry;
  if (!telemetry) return next();
  const started = performance.now();
  try {
    await next();
  } finally {
    telemetry.recordRequest({
      method: c.req.method,
      route: await routeOf(c),
      status: c.res.status,
      seconds: (performance.now() - started) / 1000,
    });
  }
});

/**
 * The pattern of the endpoint the request matched (`/api/agent/:id`), even when a middleware answered
 * first (401, 403): the last matched route registered for a method rather than for every method.
 */
async function routeOf(c: Context<AppEnv>): Promise<string> {
  // A route of the lazily loaded table (handlers/lib/lazy-routes.ts).
  const lazy = await lazyRouteOf(c);
  if (lazy !== undefined) return lazy;
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== "ALL") return route.path;
  }
  return UNMATCHED_ROUTE;
}
