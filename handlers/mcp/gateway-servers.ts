import { z } from "@hono/zod-openapi";
import {
  findScopeServer,
  listMergedServers,
  mergeServer,
  serverExists,
  serverNotFound,
  writeScopeServer,
} from "../../storage/mcp-servers.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { McpTestReportSchema } from "../capabilities/mcp-config.js";
import type { Services } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  NameParamsSchema,
  NewServerBodySchema,
  nameParam,
  newServerOf,
  runTest,
  ScopeQuerySchema,
  ServerPatchBodySchema,
  ServerViewSchema,
  serverView,
  TAG,
  TestQuerySchema,
  writeScope,
} from "./mcp-requests.js";

/*
 * The gateway's own MCP servers per scope: `~/.viben/mcp-servers.yaml` (global) and
 * `<workspace>/.viben/mcp-servers.yaml`, listed with the discovery merge rules (workspace wins by name).
 */

const ScopedServerSchema = ServerViewSchema.extend({
  source: z.enum(["global", "workspace"]),
  workspace_path: z.string(),
}).openapi("ScopedMcpServer");

const ListSchema = z.object({ servers: z.array(ScopedServerSchema), total: z.number().int() });
const ServerAnswerSchema = ScopedServerSchema.extend({
  success: z.literal(true),
  server: ScopedServerSchema,
});

function scopedView(
  name: string,
  server: Parameters<typeof serverView>[1],
  scope: { kind: string; workspacePath: string },
) {
  return {
    ...serverView(name, server),
    source: scope.kind as "global" | "workspace",
    workspace_path: scope.workspacePath,
  };
}

/** The server a read or test names: in the scope asked for, else the workspace's before the global one. */
async function findServer(services: Services, query: z.infer<typeof ScopeQuerySchema>, name: string) {
  if (query.scope) {
    const { scope } = await writeScope(services, query);
    const server = await findScopeServer(scope, name);
    if (!server) throw serverNotFound(name, `the ${query.scope} scope`);
    return { server, scope, workspacePath: (await resolveWorkspace(services, query)).workspacePath };
  }
  const ws = await resolveWorkspace(services, query);
  const found = (await listMergedServers(ws.scopes)).find((entry) => entry.name === name);
  if (!found) throw serverNotFound(name, "this workspace or the global scope");
  return { server: found.server, scope: found.scope, workspacePath: ws.workspacePath };
}

/** Answered by create, update, enable and disable: the server at the top level and as `server` (Viben). */
function answer(view: z.infer<typeof ScopedServerSchema>) {
  return { ...view, success: true as const, server: view };
}

function switchRoute(enabled: boolean) {
  return defineRoute("operator", {
    method: "post",
    path: `/servers/{name}/${enabled ? "enable" : "disable"}`,
    operationId: enabled ? "enableMcpServer" : "disableMcpServer",
    tags: [TAG],
    summary: enabled
      ? "Switch a gateway MCP server on"
      : "Switch a gateway MCP server off (kept, not offered)",
    request: { params: NameParamsSchema, query: ScopeQuerySchema },
    responses: { 200: jsonContent(ServerAnswerSchema, "The server"), ...errorResponses(404, 422) },
  });
}

function setEnabled(enabled: boolean) {
  return async (c: import("hono").Context<import("../context.js").AppEnv>) => {
    const services = c.get("services");
    const name = nameParam(c);
    const query = ScopeQuerySchema.parse(c.req.query());
    const { scope, kind } = await writeScope(services, query);
    const written = await writeScopeServer(scope, name, (current) => {
      if (!current) throw serverNotFound(name, `the ${kind} scope`);
      return { ...current, enabled };
    });
    return c.json(answer(scopedView(name, written!, scope)), 200);
  };
}

export const gatewayServersRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/servers",
      operationId: "listMcpServers",
      tags: [TAG],
      summary: "List the gateway's MCP servers of a workspace and the global scope (workspace wins by name)",
      request: { query: ScopeQuerySchema },
      responses: { 200: jsonContent(ListSchema, "The servers"), ...errorResponses(422) },
    }),
    async (c) => {
      const services = c.get("services");
      const query = c.req.valid("query");
      const ws = await resolveWorkspace(services, query);
      const scopes = query.scope
        ? [query.scope === "global" ? services.scopes.global() : ws.scope].filter(
            (s) => s.kind === query.scope,
          )
        : ws.scopes;
      const servers = (await listMergedServers(scopes)).map((e) => scopedView(e.name, e.server, e.scope));
      return c.json({ servers, total: servers.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/servers",
      operationId: "addMcpServer",
      tags: [TAG],
      summary: "Add a gateway MCP server (workspace scope when workspace_path names one, else global)",
      request: { query: ScopeQuerySchema, body: jsonBody(NewServerBodySchema) },
      responses: { 201: jsonContent(ServerAnswerSchema, "Added"), ...errorResponses(409, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const { name, server } = newServerOf(c.req.valid("json"));
      const { scope, kind } = await writeScope(services, c.req.valid("query"));
      const written = await writeScopeServer(scope, name, (current) => {
        if (current) throw serverExists(name, `the ${kind} scope`);
        return server;
      });
      return c.json(answer(scopedView(name, written!, scope)), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/servers/{name}",
      operationId: "getMcpServer",
      tags: [TAG],
      summary: "Get one gateway MCP server",
      request: { params: NameParamsSchema, query: ScopeQuerySchema },
      responses: { 200: jsonContent(ScopedServerSchema, "The server"), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const name = nameParam(c);
      const found = await findServer(c.get("services"), c.req.valid("query"), name);
      return c.json(scopedView(name, found.server, found.scope), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/servers/{name}",
      operationId: "updateMcpServer",
      tags: [TAG],
      summary: "Change a gateway MCP server (merge patch; `***` keeps a stored secret)",
      request: { params: NameParamsSchema, query: ScopeQuerySchema, body: jsonBody(ServerPatchBodySchema) },
      responses: { 200: jsonContent(ServerAnswerSchema, "The server"), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const name = nameParam(c);
      const patch = c.req.valid("json") as Record<string, unknown>;
      const { scope, kind } = await writeScope(services, c.req.valid("query"));
      const written = await writeScopeServer(scope, name, (current) => {
        if (!current) throw serverNotFound(name, `the ${kind} scope`);
        return mergeServer(current, patch);
      });
      return c.json(answer(scopedView(name, written!, scope)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/servers/{name}",
      operationId: "deleteMcpServer",
      tags: [TAG],
      summary: "Remove a gateway MCP server",
      request: { params: NameParamsSchema, query: ScopeQuerySchema },
      responses: {
        200: jsonContent(z.object({ success: z.literal(true), deleted: z.string() }), "Removed"),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const name = nameParam(c);
      const { scope, kind } = await writeScope(c.get("services"), c.req.valid("query"));
      let found = false;
      await writeScopeServer(scope, name, (current) => {
        found = current !== undefined;
        return null;
      });
      if (!found) throw serverNotFound(name, `the ${kind} scope`);
      return c.json({ success: true as const, deleted: name }, 200);
    },
  )
  .openapi(switchRoute(true), setEnabled(true))
  .openapi(switchRoute(false), setEnabled(false))
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/servers/{name}/test",
      operationId: "testMcpServer",
      tags: [TAG],
      summary: "Connect to a gateway MCP server and list its tools, prompts and resources",
      request: { params: NameParamsSchema, query: ScopeQuerySchema.merge(TestQuerySchema) },
      responses: {
        200: jsonContent(McpTestReportSchema, "What the server offers"),
        ...errorResponses(404, 422, 501, 502, 504),
      },
    }),
    async (c) => {
      const services = c.get("services");
      const name = nameParam(c);
      const query = c.req.valid("query");
      const found = await findServer(services, query, name);
      return c.json(await runTest(services, name, found.server, found.workspacePath, query.timeout_ms), 200);
    },
  );
