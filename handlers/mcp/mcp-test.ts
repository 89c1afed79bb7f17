import { z } from "@hono/zod-openapi";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { McpTestReportSchema } from "../capabilities/mcp-config.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import { NewServerBodySchema, newServerOf, runTest, TAG, TestQuerySchema } from "./mcp-requests.js";

/** A live test of a server described in the request, before it is saved anywhere (an MCP inspector's check). */
const TestBodySchema = NewServerBodySchema.extend({
  timeout_ms: TestQuerySchema.shape.timeout_ms,
  workspace_path: z
    .string()
    .optional()
    .openapi({ description: "Where a stdio server starts (default: home)" }),
}).openapi("McpTestRequest");

export const mcpTestRouter = createRouter().openapi(
  defineRoute("operator", {
    method: "post",
    path: "/test",
    operationId: "testMcpServerConfig",
    tags: [TAG],
    summary:
      "Connect to the MCP server described in the body (stdio, streamable HTTP or SSE) and list what it offers",
    request: { body: jsonBody(TestBodySchema) },
    responses: {
      200: jsonContent(McpTestReportSchema, "What the server offers"),
      ...errorResponses(422, 501, 502, 504),
    },
  }),
  async (c) => {
    const services = c.get("services");
    const { timeout_ms, workspace_path, ...body } = c.req.valid("json");
    // A test needs no name; one is given so error messages can say which server failed.
    const named = body.name ?? (typeof body.server?.name === "string" ? body.server.name : "test");
    const { name, server } = newServerOf({ ...body, name: named });
    const ws = await resolveWorkspace(services, { workspace_path });
    return c.json(await runTest(services, name, server, ws.workspacePath, timeout_ms), 200);
  },
);
