import type { Context } from "hono";

/**
 * The client's address at the edge, for no-key mode's loopback rule. Cloudflare sets CF-Connecting-IP on
 * every request, replacing one a client sent, so deployed it is the real peer (never loopback: a deployed
 * Worker in no-key mode serves nobody but /health). Under `wrangler dev`, miniflare sets it from the
 * socket, but keeps one the client sent, which is why the dev server must listen on loopback only in
 * no-key mode. Without the header the client counts as remote rather than trusted by default.
 */
export function edgeRemoteAddress(c: Context): string {
  return c.req.header("cf-connecting-ip") ?? "unknown";
}
