import type { Context } from "hono";
import type { AppEnv } from "../context.js";
import { ApiError, notFoundHandler } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";

/** Built file names are flat (`main-3FJ2KQ.js`): nothing else can name a file. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The page may talk only to its own gateway: no script, style or connection elsewhere, and never framed
 * (the UI holds an API key).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The web dashboard: its page at `/` (the shell navigates with hash routes, `/#/chat`, so it never shadows
 * an API path) and its built files under `/ui/`. Not part of the API document. The page and its files are
 * public when keys are configured (the page asks for a key; every API call it makes needs one); without
 * keys the security middleware's loopback, Host and Origin checks apply as to any route.
 */
export const dashboardUiRouter = createRouter()
  .get("/", async (c) => {
    const file = await dashboardFile(c, "index.html");
    if (!file) {
      throw new ApiError(
        404,
        "DASHBOARD_NOT_BUILT",
        "the web dashboard is not built here: run `npm run build` (npm start builds it when missing)",
      );
    }
    c.header("content-security-policy", CONTENT_SECURITY_POLICY);
    c.header("x-frame-options", "DENY");
    c.header("referrer-policy", "no-referrer");
    // Revalidated on every load: a rebuilt dashboard names new files in a new index.
    c.header("cache-control", "no-cache");
    return answer(c, file);
  })
  .get("/ui/:name", async (c) => {
    const name = c.req.param("name");
    const file = FILE_NAME.test(name) && name !== "index.html" ? await dashboardFile(c, name) : undefined;
    if (!file) return notFoundHandler(c);
    // Names carry their content's hash: a file never changes under its name.
    c.header("cache-control", "public, max-age=31536000, immutable");
    return answer(c, file);
  });

function dashboardFile(c: Context<AppEnv>, name: string) {
  return c.get("services").staticAssets?.dashboardFile?.(name) ?? Promise.resolve(undefined);
}

function answer(c: Context<AppEnv>, file: { body: Uint8Array; contentType: string; etag: string }) {
  c.header("etag", file.etag);
  c.header("x-content-type-options", "nosniff");
  if (c.req.header("if-none-match") === file.etag) return c.body(null, 304);
  c.header("content-type", file.contentType);
  return c.body(file.body as Uint8Array<ArrayBuffer>);
}
