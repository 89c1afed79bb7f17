import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context.js";
import { badRequest } from "../errors.js";

/**
 * Refuses a path whose percent-encoding does not decode to UTF-8 (`%FF`, `%C0%AE`, a lone `%`). Hono
 * keeps such a parameter undecoded, so `/api/agent/%C0%AE%C0%AE%2F/history` would otherwise reach the
 * handler as the literal id `%C0%AE%C0%AE%2F` and be stored under that name: a 400 says what is wrong.
 */
export const pathEncoding = createMiddleware<AppEnv>(async (c, next) => {
  const url = c.req.url;
  const start = url.indexOf("/", url.indexOf("//") + 2);
  const end = url.indexOf("?", start);
  const path = start < 0 ? "" : url.slice(start, end < 0 ? undefined : end);
  if (path.includes("%")) {
    try {
      decodeURIComponent(path);
    } catch {
      throw badRequest("INVALID_PATH_ENCODING", "request path is not valid percent-encoded UTF-8", {
        path: path.slice(0, 200),
      });
    }
  }
  await next();
});
