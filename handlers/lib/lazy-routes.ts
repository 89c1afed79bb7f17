import type { Context, ExecutionContext } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../context.js";

/** A route table loaded at first use: the sub-app's fetch. */
export type LazyFetch = (
  request: Request,
  env: unknown,
  executionCtx?: ExecutionContext,
) => Response | Promise<Response>;

/** What the outer app hands the sub-app (its variables, headers set so far) and gets back (template, variables). */
interface Handoff {
  vars: Record<string, unknown>;
  headers: Headers;
  route?: string;
  out?: Record<string, unknown>;
}

const handoffs = new WeakMap<Request, Handoff>();

/** The route template the lazily loaded sub-app matched for this request, if it answered it. */
export function lazyRouteOf(request: Request): string | undefined {
  return handoffs.get(request)?.route;
}

/**
 * Dispatches into a route table imported at first use, so start-up builds only the middleware and /health.
 * Concurrent first requests share one import; a failed import rejects this request (500 envelope through
 * onError) and the next request tries again.
 */
export function lazyRoutes(load: () => Promise<LazyFetch>) {
  let pending: Promise<LazyFetch> | undefined;
  const loaded = () => {
    if (!pending) {
      pending = load();
      pending.catch(() => {
        pending = undefined;
      });
    }
    return pending;
  };
  return createMiddleware<AppEnv>(async (c) => {
    const fetch = await loaded();
    const request = c.req.raw;
    // Headers middleware set before a response existed (X-Request-Id, CORS) travel into the sub-app's
    // responses, as they would have on a route of this app; the outer response is then replaced whole.
    const headers = c.res.headers;
    c.res = undefined as unknown as Response;
    const handoff: Handoff = { vars: c.var as Record<string, unknown>, headers };
    handoffs.set(request, handoff);
    const response = await fetch(request, c.env, executionCtxOf(c));
    for (const [key, value] of Object.entries(handoff.out ?? {})) c.set(key as never, value as never);
    c.res = response;
  });
}

/** The sub-app's first middleware: takes over the outer context's variables and headers, returns the template. */
export const receiveHandoff = createMiddleware<AppEnv>(async (c, next) => {
  const handoff = handoffs.get(c.req.raw);
  if (handoff) {
    for (const [key, value] of Object.entries(handoff.vars)) c.set(key as never, value as never);
    for (const [key, value] of handoff.headers) c.header(key, value, { append: key === "set-cookie" });
  }
  await next();
  if (handoff) {
    // The endpoint's template, as the outer app's metrics and audit would have read it; none when unmatched.
    const routes = matchedRoutes(c);
    for (let i = routes.length - 1; i >= 0 && handoff.route === undefined; i--) {
      if (routes[i]!.method !== "ALL") handoff.route = routes[i]!.path;
    }
    handoff.out = c.var as Record<string, unknown>;
  }
});

function executionCtxOf(c: Context<AppEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
