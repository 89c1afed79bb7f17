import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AgentRecord } from "../../storage/agents.js";
import { assertValidId } from "../../storage/ids.js";
import {
  agentServerEntries,
  type McpServer,
  mergeServer,
  serverExists,
  serverNotFound,
  withAgentServer,
} from "../../storage/mcp-servers.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import { McpTestReportSchema } from "../capabilities/mcp-config.js";
import type { AppEnv } from "../context.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import {
  NewServerBodySchema,
  nameParam,
  newServerOf,
  runTest,
  ServerPatchBodySchema,
  ServerViewSchema,
  serverView,
  TAG,
  TestQuerySchema,
} from "./mcp-requests.js";

/*
 * An agent's own MCP servers (its config.yaml `mcp_servers`), at the original Viben server's paths
 * `/api/mcp/agents/:agentId/servers[/:name[/enable|/disable]]`. A disabled server stays in the file with
 * `enabled: false` and is not handed to the executor.
 */

const AgentParams = z.object({
  agentId: z.string().openapi({ param: { name: "agentId", in: "path" }, description: "The agent's id" }),
});
const AgentServerParams = AgentParams.extend({
  name: z.string().openapi({ param: { name: "name", in: "path" }, description: "The server's name" }),
});
const AgentQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

const ServerAnswer = z.object({
  agentId: z.string(),
  agent_id: z.string(),
  success: z.literal(true),
  server: ServerViewSchema,
});

async function agentOf(c: Context<AppEnv>): Promise<{ record: AgentRecord; workspacePath: string }> {
  const services = c.get("services");
  const id = assertValidId(c.req.param("agentId"), "agentId");
  const ws = await resolveWorkspace(services, { workspace_path: c.req.query("workspace_path") });
  return { record: await services.agents.get(ws.scopes, id), workspacePath: ws.workspacePath };
}

function serversOf(record: AgentRecord) {
  return agentServerEntries(record.config.mcp_servers);
}

function findServer(record: AgentRecord, name: string): McpServer {
  const found = serversOf(record).find((entry) => entry.name === name);
  if (!found) throw serverNotFound(name, `agent '${record.id}'`);
  return found.server;
}

async function saveServer(c: Context<AppEnv>, record: AgentRecord, name: string, server: McpServer | null) {
  const mcp_servers = withAgentServer(record.config.mcp_servers, name, server);
  return c.get("services").agents.update(record, { mcp_servers });
}

const answer = (record: AgentRecord, name: string, server: McpServer) => ({
  agentId: record.id,
  agent_id: record.id,
  success: true as const,
  server: serverView(name, server),
});

function switchRoute(enabled: boolean) {
  return defineRoute("operator", {
    method: "post",
    path: `/agents/{agentId}/servers/{name}/${enabled ? "enable" : "disable"}`,
    operationId: enabled ? "enableAgentMcpServer" : "disableAgentMcpServer",
    tags: [TAG],
    summary: enabled
      ? "Switch an agent's MCP server on"
      : "Switch an agent's MCP server off (kept, not used in runs)",
    request: { params: AgentServerParams, query: AgentQuery },
    responses: {
      200: jsonContent(
        z.object({ agentId: z.string(), agent_id: z.string(), name: z.string(), enabled: z.boolean() }),
        "The new state",
      ),
      ...errorResponses(404, 422),
    },
  });
}

function switchHandler(enabled: boolean) {
  return async (c: Context<AppEnv>) => {
    const { record } = await agentOf(c);
    const name = nameParam(c);
    await saveServer(c, record, name, { ...findServer(record, name), enabled });
    return c.json({ agentId: record.id, agent_id: record.id, name, enabled }, 200);
  };
}

export const agentServersRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/agents/{agentId}/servers",
      operationId: "listAgentMcpServers",
      tags: [TAG],
      summary: "List an agent's MCP servers",
      request: { params: AgentParams, query: AgentQuery },
      responses: {
        200: jsonContent(
          z.object({
            agentId: z.string(),
            agent_id: z.string(),
            servers: z.array(ServerViewSchema),
            references: z
              .array(z.string())
              .openapi({ description: "Names in Viben's list form without a config" }),
            total: z.number().int(),
          }),
          "The servers",
        ),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { record } = await agentOf(c);
      const servers = serversOf(record).map((entry) => serverView(entry.name, entry.server));
      const list = record.config.mcp_servers;
      const references = Array.isArray(list) ? list.filter((e): e is string => typeof e === "string") : [];
      return c.json(
        { agentId: record.id, agent_id: record.id, servers, references, total: servers.length },
        200,
      );
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/agents/{agentId}/servers",
      operationId: "addAgentMcpServer",
      tags: [TAG],
      summary:
        "Add an MCP server to an agent (replace: true overwrites one of that name, as Viben's POST does)",
      request: {
        params: AgentParams,
        query: AgentQuery,
        body: jsonBody(NewServerBodySchema.extend({ replace: z.boolean().optional() })),
      },
      responses: { 201: jsonContent(ServerAnswer, "Added"), ...errorResponses(404, 409, 422) },
    }),
    async (c) => {
      const { record } = await agentOf(c);
      const { replace, ...body } = c.req.valid("json");
      const { name, server } = newServerOf(body);
      if (!replace && serversOf(record).some((entry) => entry.name === name))
        throw serverExists(name, `agent '${record.id}'`);
      await saveServer(c, record, name, server);
      return c.json(answer(record, name, server), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/agents/{agentId}/servers/{name}",
      operationId: "getAgentMcpServer",
      tags: [TAG],
      summary: "Get one of an agent's MCP servers",
      request: { params: AgentServerParams, query: AgentQuery },
      responses: { 200: jsonContent(ServerAnswer, "The server"), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { record } = await agentOf(c);
      const name = nameParam(c);
      return c.json(answer(record, name, findServer(record, name)), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/agents/{agentId}/servers/{name}",
      operationId: "updateAgentMcpServer",
      tags: [TAG],
      summary: "Change one of an agent's MCP servers (merge patch; `***` keeps a stored secret)",
      request: { params: AgentServerParams, query: AgentQuery, body: jsonBody(ServerPatchBodySchema) },
      responses: { 200: jsonContent(ServerAnswer, "The server"), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { record } = await agentOf(c);
      const name = nameParam(c);
      const server = mergeServer(findServer(record, name), c.req.valid("json") as Record<string, unknown>);
      await saveServer(c, record, name, server);
      return c.json(answer(record, name, server), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/agents/{agentId}/servers/{name}",
      operationId: "deleteAgentMcpServer",
      tags: [TAG],
      summary: "Remove an MCP server from an agent",
      request: { params: AgentServerParams, query: AgentQuery },
      responses: {
        200: jsonContent(
          z.object({
            success: z.literal(true),
            deleted: z.string(),
            agentId: z.string(),
            agent_id: z.string(),
          }),
          "Removed",
        ),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { record } = await agentOf(c);
      const name = nameParam(c);
      findServer(record, name);
      await saveServer(c, record, name, null);
      return c.json({ success: true as const, deleted: name, agentId: record.id, agent_id: record.id }, 200);
    },
  )
  .openapi(switchRoute(true), switchHandler(true))
  .openapi(switchRoute(false), switchHandler(false))
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/agents/{agentId}/servers/{name}/test",
      operationId: "testAgentMcpServer",
      tags: [TAG],
      summary: "Connect to one of an agent's MCP servers and list its tools, prompts and resources",
      request: { params: AgentServerParams, query: AgentQuery.merge(TestQuerySchema) },
      responses: {
        200: jsonContent(McpTestReportSchema, "What the server offers"),
        ...errorResponses(404, 422, 501, 502, 504),
      },
    }),
    async (c) => {
      const { record, workspacePath } = await agentOf(c);
      const name = nameParam(c);
      const report = await runTest(
        c.get("services"),
        name,
        findServer(record, name),
        workspacePath,
        c.req.valid("query").timeout_ms,
      );
      return c.json(report, 200);
    },
  );
