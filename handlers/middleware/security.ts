import type { Context } from "hono";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { GatewayConfig } from "../../storage/gateway-config.js";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { isDashboardShellRequest } from "../lib/dashboard-paths.js";
import { findApiKey } from "./api-keys.js";
import { bearerToken } from "./bearer-token.js";
import { failedAttempts } from "./failed-attempts.js";
import { authenticateHook, isHookRoute } from "./hook-auth.js";
import { secretQueryParam } from "./query-secrets.js";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Host header value without its port (`[::1]:80` → `[::1]`, `localhost:1` → `localhost`). */
function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  return host.split(":")[0] ?? host;
}

function isLoopbackHost(host: string): boolean {
  const name = hostName(host.toLowerCase());
  return LOOPBACK_HOSTS.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name) || name.endsWith(".localhost");
}

export function isAllowedOrigin(origin: string, config: GatewayConfig): boolean {
  if (config.corsOrigins.includes(origin) || config.corsOrigins.includes("*")) return true;
  try {
    const url = new URL(origin);
    // The Viben desktop's webview (Tauri) sends `tauri://localhost` on macOS and Linux; only the app's own
    // webview can use that scheme, so no web page can present it.
    if (url.protocol === "tauri:") return url.host === "localhost";
    return (url.protocol === "http:" || url.protocol === "https:") && isLoopbackHost(url.host);
  } catch {
    return false;
  }
}

const isWebSocketUpgrade = (c: Context<AppEnv>) => c.req.header("upgrade")?.toLowerCase() === "websocket";

function presentedToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("authorization");
  if (header) return bearerToken(header);
  // Browsers cannot set headers on a WebSocket handshake, so only upgrades may carry ?token=.
  if (isWebSocketUpgrade(c)) return c.req.query("token");
  return undefined;
}

/** Loads gateway.yaml (without I/O when unchanged) for the CORS and security middleware. */
export const loadGatewayConfig = createMiddleware<AppEnv>(async (c, next) => {
  const source = c.get("services").gatewayConfig;
  c.set("gatewayConfig", source.peek() ?? (await source.get()));
  await next();
});

/** CORS for loopback origins and those listed in gateway.yaml; requests without Origin skip it. */
const corsMiddleware = cors({
  origin: (origin, c: Context<AppEnv>) =>
    origin && isAllowedOrigin(origin, c.get("gatewayConfig")) ? origin : null,
  allowHeaders: [
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "Last-Event-ID",
    "X-Request-Id",
    "X-Client-Id",
  ],
  allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
  exposeHeaders: ["X-Request-Id"],
  maxAge: 600,
});

export const corsPolicy = createMiddleware<AppEnv>(async (c, next) => {
  if (!c.req.header("origin")) return next();
  return corsMiddleware(c, next);
});

/**
 * Authentication and drive-by protection for every route mounted after it (public ones come before). With
 * API keys configured every non-public route needs a valid Bearer key, whose role is set on the context.
 * Without keys only loopback clients are served, and a browser Origin or a Host header that is not
 * loopback (or listed in gateway.yaml) is refused, which defeats DNS rebinding and cross-site requests to
 * the local gateway. Everywhere: a credential in the query string is refused (only a WebSocket upgrade may
 * send `?token=`), and wrong keys or hook tokens are counted per client address, which past the limit gets
 * 429 with Retry-After for a while, whatever it sends.
 */
export const security = createMiddleware<AppEnv>(async (c, next) => {
  const attempts = failedAttempts(c);
  attempts.refuseWhileLimited();
  const param = secretQueryParam(c.req.url, isWebSocketUpgrade(c) ? "token" : undefined);
  if (param) {
    attempts.fail("TOKEN_IN_QUERY");
    throw new ApiError(
      400,
      "TOKEN_IN_QUERY",
      `${param}: API keys and hook tokens are never accepted in the query string (URLs end up in logs); send Authorization: Bearer <key>`,
      { param },
    );
  }
  // Webhook intake takes hook tokens (or an admin key) instead.
  if (isHookRoute(c) && (await authenticateHook(c, attempts))) return next();
  const config = c.get("gatewayConfig");
  if (config.apiKeys.length > 0) {
    // The dashboard's page and files are public: the page asks for a key (nothing in them is secret).
    if (isDashboardShellRequest(c.req.method, c.req.path)) {
      c.set("role", "viewer");
      return next();
    }
    const token = presentedToken(c);
    if (!token) throw new ApiError(401, "UNAUTHORIZED", "missing API key: send Authorization: Bearer <key>");
    const key = await findApiKey(token, config.apiKeys);
    if (!key) {
      attempts.fail("UNAUTHORIZED");
      throw new ApiError(401, "UNAUTHORIZED", "unknown API key");
    }
    c.set("role", key.role);
    c.set("keyName", key.name);
    return next();
  }
  const remote = c.get("services").remoteAddress?.(c);
  if (remote !== undefined && !isLoopbackAddress(remote)) {
    throw new ApiError(
      403,
      "FORBIDDEN_REMOTE",
      "no API keys are configured, so only loopback clients are served",
    );
  }
  const host = c.req.header("host");
  if (host && !isLoopbackHost(host) && !config.allowedHosts.includes(hostName(host.toLowerCase()))) {
    throw new ApiError(
      403,
      "FORBIDDEN_HOST",
      `host '${host}' is not allowed; add it to allowed_hosts in gateway.yaml`,
    );
  }
  const origin = c.req.header("origin");
  if (origin && !isAllowedOrigin(origin, config)) {
    throw new ApiError(
      403,
      "FORBIDDEN_ORIGIN",
      `origin '${origin}' is not allowed; add it to cors.origins in gateway.yaml`,
    );
  }
  c.set("role", "admin");
  return next();
});
