import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";

/**
 * Structured request log: one JSON line per request with id, method, path (never the query string, which
 * may carry a WebSocket `token`), status and duration. Secrets never reach the log.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  const requestId = sanitizeRequestId(c.req.header("x-request-id")) ?? crypto.randomUUID();
  c.set("requestId", requestId);
  // Set before the handler runs: changing headers of a finished response forces a costly copy.
  c.header("X-Request-Id", requestId);
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

function sanitizeRequestId(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9._-]{1,64}$/.test(value) ? value : undefined;
}
