import { z } from "@hono/zod-openapi";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonContent } from "../lib/schemas.js";

/**
 * The gateway's MCP server (streamable HTTP) for the executor CLIs it runs: their `delegate` tool. It is
 * mounted ahead of the API-key check: its one credential is the per-run bearer token the gateway wrote
 * into the run's MCP config, checked by the delegation service.
 */
export const mcpRouter = createDocumentedRouter(
  defineRoute("public", {
    method: "post",
    path: "/",
    operationId: "callGatewayMcp",
    tags: ["Delegation"],
    summary: "MCP endpoint for the gateway's runs (JSON-RPC; bearer token of a live run)",
    request: {
      body: {
        required: true,
        content: { "application/json": { schema: z.record(z.string(), z.unknown()).openapi("McpMessage") } },
      },
    },
    responses: {
      200: jsonContent(z.record(z.string(), z.unknown()), "The JSON-RPC answer"),
      202: { description: "A notification, accepted" },
      ...errorResponses(400, 401, 501),
    },
  }),
).all("/", (c) => requireCapability(c.get("services"), "delegation").handleMcp(c.req.raw));
