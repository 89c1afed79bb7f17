import type { Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";

/** Set on a request one instance passes to another: it is never passed on again (no loops). */
export const FORWARDED_HEADER = "x-viben-forwarded-by";

/** What the caller sent that the other instance needs to answer as this one would. */
const PASSED_HEADERS = ["authorization", "content-type", "accept", "idempotency-key", "x-request-id"];

/**
 * Several instances on one Redis: a run lives on the instance that started it. A request on another
 * instance for a run it does not know (RUN_NOT_FOUND) is answered by the run's instance instead, when one
 * is alive; otherwise the 404 stands.
 */
export const forwardRunsToTheirInstance = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  const owners = c.get("services").runOwners;
  const error = c.error as { code?: unknown; details?: { run_id?: unknown } } | undefined;
  if (!owners || error?.code !== "RUN_NOT_FOUND" || c.req.header(FORWARDED_HEADER)) return;
  const runId = error.details?.run_id;
  if (typeof runId !== "string") return;
  const url = await owners.urlOf(runId).catch(() => undefined);
  if (url) c.res = await forward(c, url);
});

/** The router with the forwarding in front of its routes (the same router, so its OpenAPI typing stays). */
export function forwardingUnknownRuns<T extends Hono<AppEnv>>(router: T): T {
  router.use("*", forwardRunsToTheirInstance);
  return router;
}

async function forward(c: Context<AppEnv>, base: string): Promise<Response> {
  const target = new URL(c.req.url);
  const headers = new Headers({ [FORWARDED_HEADER]: "1" });
  for (const name of PASSED_HEADERS) {
    const value = c.req.header(name);
    if (value !== undefined) headers.set(name, value);
  }
  // Validation read the body already: Hono hands out its cached copy.
  const body = ["GET", "HEAD"].includes(c.req.method) ? undefined : await c.req.arrayBuffer();
  const answer = await fetch(`${base}${target.pathname}${target.search}`, {
    method: c.req.method,
    headers,
    body: body && body.byteLength > 0 ? body : undefined,
  });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
