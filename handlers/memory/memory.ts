import { z } from "@hono/zod-openapi";
import { idSchema } from "../../storage/schema-helpers.js";
import { MemoryEntryViewSchema, MemoryHitSchema } from "../capabilities/memory.js";
import { ApiError } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";

const TAGS = ["Memory"];
const MAX_CONTENT = 100_000;
const DEFAULT_LIMIT = 10;
const YEAR_MS = 365 * 86_400_000;

const agentParam = idSchema.openapi({ param: { name: "agent", in: "path" }, example: "claude" });
const AgentParams = z.object({ agent: agentParam });
const EntryParams = z.object({
  agent: agentParam,
  id: idSchema.openapi({ param: { name: "id", in: "path" }, example: "m_1767225600000_3f9a1c2e" }),
});

const tag = z.string().trim().min(1, "must not be empty").max(100);
/** OpenVesper's body ({content, tags, sessionKey, ttlMs}) or our snake_case spelling. */
const NewEntrySchema = z
  .object({
    content: z.string().trim().min(1, "must not be empty").max(MAX_CONTENT),
    tags: z.array(tag).max(50).optional(),
    sessionKey: z.string().min(1).max(500).optional(),
    session_key: z.string().min(1).max(500).optional(),
    ttlMs: z
      .number()
      .int()
      .positive()
      .max(100 * YEAR_MS)
      .optional(),
    ttl_ms: z
      .number()
      .int()
      .positive()
      .max(100 * YEAR_MS)
      .optional(),
  })
  .openapi("NewMemoryEntry");

const limit = z.number().int().min(1).max(100);
const SearchBodySchema = z
  .object({
    query: z.string().trim().min(1, "must not be empty").max(10_000).optional(),
    q: z.string().trim().min(1, "must not be empty").max(10_000).optional(),
    limit: limit.optional().openapi({ description: `Default ${DEFAULT_LIMIT}` }),
  })
  .superRefine((body, ctx) => {
    if (body.query === undefined && body.q === undefined)
      ctx.addIssue({ code: "custom", path: ["query"], message: "is required" });
  })
  .openapi("MemorySearchRequest");
const SearchQuerySchema = z.object({
  q: z.string().trim().min(1, "must not be empty").max(10_000).openapi({ description: "What to look for" }),
  limit: z.coerce.number().pipe(limit).optional().openapi({ type: "integer" }),
});
const ListQuerySchema = z.object({
  tag: z.string().min(1).optional(),
  sessionKey: z.string().min(1).optional(),
  session_key: z.string().min(1).optional(),
});

const entryNotFound = (agent: string, id: string) =>
  new ApiError(404, "MEMORY_NOT_FOUND", `agent '${agent}' has no memory entry '${id}'`, { agent, id });

/**
 * An agent's memory: notes added over the API or by the agent itself (memory_add), found again by ranked
 * full-text search (memory_search). `root` is OpenVesper's /memory/:agent (bare arrays, `{deleted}`,
 * `{cleared}`), `api` our /api/memory/:agent (a wrapped list, 201 on create).
 */
export function createMemoryRouter(spelling: "root" | "api") {
  const api = spelling === "api";
  const op = (root: string, ours: string) => (api ? ours : root);
  const created = jsonContent(MemoryEntryViewSchema, "The entry");
  const hits = jsonContent(
    api ? z.object({ results: z.array(MemoryHitSchema) }) : z.array(MemoryHitSchema),
    "Entries, most relevant first",
  );
  const search = (
    services: Parameters<typeof requireCapability>[0],
    agent: string,
    query: string,
    n?: number,
  ) => requireCapability(services, "memory").search(agent, query, n ?? DEFAULT_LIMIT);
  return createRouter()
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/{agent}",
        operationId: op("listOpenVesperMemory", "listMemory"),
        tags: TAGS,
        summary: "An agent's memory entries, newest first",
        request: { params: AgentParams, query: ListQuerySchema },
        responses: {
          200: jsonContent(
            api
              ? z.object({ memories: z.array(MemoryEntryViewSchema), total: z.number() })
              : z.array(MemoryEntryViewSchema),
            "Entries",
          ),
          ...errorResponses(400, 422, 501),
        },
      }),
      async (c) => {
        const { tag: byTag, sessionKey, session_key } = c.req.valid("query");
        const key = sessionKey ?? session_key;
        const entries = await requireCapability(c.get("services"), "memory").list(
          c.req.valid("param").agent,
          {
            ...(byTag ? { tag: byTag } : {}),
            ...(key ? { sessionKey: key } : {}),
          },
        );
        return c.json(api ? { memories: entries, total: entries.length } : entries, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "post",
        path: "/{agent}",
        operationId: op("addOpenVesperMemory", "addMemory"),
        tags: TAGS,
        summary: "Add a memory entry for an agent",
        request: { params: AgentParams, body: jsonBody(NewEntrySchema) },
        // Ours answers 201 Created, OpenVesper's 200; typed as one so the handler's answer checks.
        responses: {
          ...((api ? { 201: created } : { 200: created }) as { 200: typeof created }),
          ...errorResponses(400, 422, 501),
        },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const sessionKey = body.sessionKey ?? body.session_key;
        const ttlMs = body.ttlMs ?? body.ttl_ms;
        const entry = await requireCapability(c.get("services"), "memory").add(c.req.valid("param").agent, {
          content: body.content,
          ...(body.tags ? { tags: body.tags } : {}),
          ...(sessionKey ? { sessionKey } : {}),
          ...(ttlMs ? { ttlMs } : {}),
        });
        return c.json(entry, (api ? 201 : 200) as 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "post",
        path: "/{agent}/search",
        operationId: op("searchOpenVesperMemory", "searchMemory"),
        tags: TAGS,
        summary: "Search an agent's memory (full text, ranked)",
        request: { params: AgentParams, body: jsonBody(SearchBodySchema) },
        responses: { 200: hits, ...errorResponses(400, 422, 501) },
      }),
      async (c) => {
        const body = c.req.valid("json");
        const found = await search(
          c.get("services"),
          c.req.valid("param").agent,
          (body.query ?? body.q)!,
          body.limit,
        );
        return c.json(api ? { results: found } : found, 200);
      },
    )
    .openapi(
      defineRoute("viewer", {
        method: "get",
        path: "/{agent}/search",
        operationId: op("searchOpenVesperMemoryByQuery", "searchMemoryByQuery"),
        tags: TAGS,
        summary: "Search an agent's memory with ?q= (full text, ranked)",
        request: { params: AgentParams, query: SearchQuerySchema },
        responses: { 200: hits, ...errorResponses(400, 422, 501) },
      }),
      async (c) => {
        const { q, limit: n } = c.req.valid("query");
        const found = await search(c.get("services"), c.req.valid("param").agent, q, n);
        return c.json(api ? { results: found } : found, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "delete",
        path: "/{agent}/{id}",
        operationId: op("deleteOpenVesperMemory", "deleteMemory"),
        tags: TAGS,
        summary: "Delete one memory entry",
        request: { params: EntryParams },
        responses: {
          200: jsonContent(z.object({ deleted: z.boolean() }), "It was deleted"),
          ...errorResponses(400, 404, 422, 501),
        },
      }),
      async (c) => {
        const { agent, id } = c.req.valid("param");
        // The original answers {deleted: false} for an unknown id; a 404 names the mistake instead.
        if (!(await requireCapability(c.get("services"), "memory").remove(agent, id)))
          throw entryNotFound(agent, id);
        return c.json({ deleted: true }, 200);
      },
    )
    .openapi(
      defineRoute("operator", {
        method: "delete",
        path: "/{agent}",
        operationId: op("clearOpenVesperMemory", "clearMemory"),
        tags: TAGS,
        summary: "Delete all of an agent's memory",
        request: { params: AgentParams },
        responses: {
          200: jsonContent(z.object({ cleared: z.number() }), "How many entries were deleted"),
          ...errorResponses(400, 422, 501),
        },
      }),
      async (c) => {
        const cleared = await requireCapability(c.get("services"), "memory").clear(
          c.req.valid("param").agent,
        );
        return c.json({ cleared }, 200);
      },
    );
}
