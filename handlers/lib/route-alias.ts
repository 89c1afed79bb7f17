import type { Context } from "hono";
import { Hono } from "hono";
import type { AppEnv } from "../context.js";

/**
 * The same route groups under a second prefix, left out of the OpenAPI document: a plain Hono app does
 * not carry the groups' OpenAPI registrations, so an alias adds no duplicate operationIds.
 */
export function undocumentedAlias(routers: readonly Hono<AppEnv>[]): Hono<AppEnv> {
  const alias = new Hono<AppEnv>();
  for (const router of routers) alias.route("/", router);
  return alias;
}

/** The original Viben's newer client calls `/api/agents/...`; those paths may answer in its shapes. */
export const ORIGINAL_AGENTS_PREFIX = "/api/agents";

export function isOriginalSpelling(c: Context<AppEnv>): boolean {
  const path = c.req.path;
  return path === ORIGINAL_AGENTS_PREFIX || path.startsWith(`${ORIGINAL_AGENTS_PREFIX}/`);
}
