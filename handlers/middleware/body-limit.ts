import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { type BodyLimits, formatBytes } from "../../storage/limits-settings.js";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";

type LimitSetting = keyof BodyLimits;

// Routes whose bodies carry a prompt or a transcript; everything else is an ordinary JSON API.
const PROMPT_ROUTES = [
  /^\/api\/chat\/?$/,
  /^\/api\/queue\/?$/,
  /^\/api\/agent\/[^/]+\/spawn\/?$/,
  /^\/api\/agent\/[^/]+\/history\/?$/,
  /^\/api\/agent\/[^/]+\/sessions\/[^/]+\/messages\/?$/,
];

/** The gateway.yaml `limits` setting that bounds a route's body. */
export function bodyLimitSetting(path: string): LimitSetting {
  if (path.startsWith("/api/hooks/")) return "webhook_body";
  if (PROMPT_ROUTES.some((route) => route.test(path))) return "prompt_body";
  return "body";
}

function tooLarge(c: Context<AppEnv>, limit: number, setting: LimitSetting): ApiError {
  // The rest of the body is never read, so the connection cannot carry another request: say so, and the
  // Node server closes it once the answer is written (instead of promising keep-alive and dropping it).
  if (c.get("services").runtime === "node") c.header("Connection", "close");
  return new ApiError(
    413,
    "PAYLOAD_TOO_LARGE",
    `request body exceeds ${formatBytes(limit)}, the limit of this route (limits.${setting} in gateway.yaml)`,
    { limit, setting: `limits.${setting}` },
  );
}

/**
 * Reads a body of unknown length (chunked) up to `limit` bytes; undefined as soon as it grows past the
 * limit, so no more than `limit` bytes are ever held, and the rest is never read.
 */
async function readUpTo(
  body: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      throw new ApiError(400, "BODY_UNREADABLE", "the request body could not be read to its end");
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      return undefined;
    }
    chunks.push(next.value);
  }
  const buffer = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    buffer.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return buffer;
}

/**
 * The body limit of every route, applied once before authentication and routing (handlers/index.ts). A
 * declared Content-Length over the limit is refused at once, without reading a byte of the body; a body
 * without one (chunked) is counted while it streams in and refused as soon as it passes the limit. Either
 * way the answer is 413 PAYLOAD_TOO_LARGE naming the limit and its gateway.yaml setting.
 */
export const bodyLimit = createMiddleware<AppEnv>(async (c, next) => {
  const method = c.req.method;
  if (method === "GET" || method === "HEAD" || method === "OPTIONS") return next();
  const setting = bodyLimitSetting(c.req.path);
  const limit = c.get("gatewayConfig").limits[setting];
  const declared = c.req.header("content-length");
  if (declared !== undefined && c.req.header("transfer-encoding") === undefined) {
    if (Number(declared) > limit) throw tooLarge(c, limit, setting);
    return next();
  }
  const body = c.req.raw.body;
  if (!body) return next();
  const buffered = await readUpTo(body, limit);
  if (!buffered) throw tooLarge(c, limit, setting);
  c.req.raw = new Request(c.req.raw, { body: buffered });
  return next();
});
