import type { Context, ExecutionContext } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { Router } from "hono/router";
import type { H, RouterRoute } from "hono/types";
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
  /** The error the sub-app's handler threw (the audit reads its code off the outer context). */
  error?: Error;
}

const handoffs = new WeakMap<Request, Handoff>();

/** The loaded table: its fetch, and its router to name the route of a request refused before dispatch. */
export interface RouteTable {
  fetch: LazyFetch;
  router: Router<[H, RouterRoute]>;
}

/** Each app's loader, keyed by its services object (set first on every request's context). */
const tables = new WeakMap<object, () => Promise<RouteTable>>();

/**
 * The template of the table's route this request is for (`/api/agent/:id`), or undefined when none
 * matches: what the sub-app matched when it answered, else (a 401 or 403 from a middleware ahead of the
 * dispatch) the table's own match, so metrics and the audit label refused requests as before.
 */
export async function lazyRouteOf(c: Context<AppEnv>): Promise<string | undefined> {
  const handoff = handoffs.get(c.req.raw);
  if (handoff) return handoff.route;
  const load = tables.get(c.get("services"));
  if (!load) return undefined;
  try {
    const [matches] = (await load()).router.match(c.req.method, c.req.path);
    for (let i = matches.length - 1; i >= 0; i--) {
      const route = matches[i]![0][1] as RouterRoute;
      if (route.method !== "ALL") return route.path;
    }
  } catch {
    // The table failed to load: the request is labelled unmatched; the next one retries the import.
  }
  return undefined;
}

/**
 * Dispatches into a route table imported at first use, so start-up builds only the middleware and /health.
 * Concurrent first requests share one import; a failed import rejects this request (500 envelope through
 * onError) and the next request tries again.
 */
export function lazyRoutes(services: object, load: () => Promise<RouteTable>) {
  let pending: Promise<RouteTable> | undefined;
  const loaded = () => {
    if (!pending) {
      pending = load();
      pending.catch(() => {
        pending = undefined;
      });
    }
    return pending;
  };
  tables.set(services, loaded);
  return createMiddleware<AppEnv>(async (c) => {
    const { fetch } = await loaded();
    const request = c.req.raw;
    // Headers middleware set before a response existed (X-Request-Id, CORS) travel into the sub-app's
    // responses, as they would have on a route of this app; the outer response is then replaced whole.
    const headers = c.res.headers;
    c.res = undefined as unknown as Response;
    const handoff: Handoff = { vars: c.var as Record<string, unknown>, headers };
    handoffs.set(request, handoff);
    const response = await fetch(request, c.env, executionCtxOf(c));
    for (const [key, value] of Object.entries(handoff.out ?? {})) c.set(key as never, value as never);
    if (handoff.error) c.error = handoff.error;
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
    handoff.error = c.error;
  }
});

function executionCtxOf(c: Context<AppEnv>): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
