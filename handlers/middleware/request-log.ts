import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { requestId } from "hono/request-id";
import type { AppEnv } from "../context.js";

/**
 * The request id (`c.var.requestId`, echoed as X-Request-Id): the caller's own when it is a short token,
 * else a new UUID. Hono's rule takes `[A-Za-z0-9_=-]{1,64}`; the generator also keeps dotted ids
 * (`[A-Za-z0-9._-]{1,64}`), which this gateway has always accepted.
 */
export const assignRequestId = requestId({
  limitLength: 64,
  generator: (c: Context) => callerRequestId(c.req.header("x-request-id")) ?? crypto.randomUUID(),
});

/**
 * Structured request log: one JSON line per request with id, method, path (never the query string, which
 * may carry a WebSocket `token`), status and duration. Secrets never reach the log.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  const requestId = c.get("requestId");
  try {
    await next();
  } finally {
    c.get("services").logger.info({
      msg: "request",
      request_id: requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
      role: c.get("role"),
      key: c.get("keyName"),
    });
  }
});

function callerRequestId(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : undefined;
}
