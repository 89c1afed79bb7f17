import type { Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";

/** Set on a request one instance passes to another: it is never passed on again (no loops). */
export const FORWARDED_HEADER = "x-viben-forwarded-by";

/** What the caller sent that the other instance needs to answer as this one would. */
const PASSED_HEADERS = ["authorization", "content-type", "accept", "idempotency-key", "x-request-id"];

/**
 * Several instances on one Redis: a run (or terminal) lives on the instance that started it. A request on
 * another instance for one it does not know (RUN_NOT_FOUND, TERMINAL_NOT_FOUND) is answered by its
 * instance instead, when one is alive; otherwise the 404 stands.
 */
function forwardingUnknown(
  code: string,
  idField: string,
  urlOf: (services: AppEnv["Variables"]["services"], id: string) => Promise<string | undefined> | undefined,
) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const error = c.error as { code?: unknown; details?: Record<string, unknown> } | undefined;
    if (error?.code !== code || c.req.header(FORWARDED_HEADER)) return;
    const id = error.details?.[idField];
    if (typeof id !== "string") return;
    const url = await Promise.resolve(urlOf(c.get("services"), id)).catch(() => undefined);
    if (url) c.res = await forward(c, url);
  });
}

export const forwardRunsToTheirInstance = forwardingUnknown("RUN_NOT_FOUND", "run_id", (services, id) =>
  services.runOwners?.urlOf(id),
);

const forwardTerminalsToTheirInstance = forwardingUnknown(
  "TERMINAL_NOT_FOUND",
  "terminal_id",
  async (services, id) => (await services.terminalOwners?.whereIs(id))?.url,
);

/** The router with the forwarding in front of its routes (the same router, so its OpenAPI typing stays). */
export function forwardingUnknownRuns<T extends Hono<AppEnv>>(router: T): T {
  router.use("*", forwardRunsToTheirInstance);
  return router;
}

export function forwardingUnknownTerminals<T extends Hono<AppEnv>>(router: T): T {
  router.use("*", forwardTerminalsToTheirInstance);
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
