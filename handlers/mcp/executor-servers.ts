import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { serverNotFound } from "../../storage/mcp-servers.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import {
  type ExecutorMcpEntry,
  type ExecutorMcpFileRef,
  McpTestReportSchema,
} from "../capabilities/mcp-config.js";
import type { AppEnv } from "../context.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent } from "../lib/schemas.js";
import {
  ExecutorParamsSchema,
  executorParam,
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
} from "./mcp-requests.js";

/*
 * The MCP servers of an executor's own config file, edited in its own format with the rest of the file and
 * its comments kept: Claude Code `~/.claude.json` / `.mcp.json`, Codex `config.toml`, Gemini and Qwen
 * `settings.json`, Cursor `mcp.json`, OpenCode `opencode.json`, Amp `settings.json`, Copilot
 * `mcp-config.json`. `scope=global` is the user-level file, `scope=workspace` the project's.
 */

const ExecutorServerParams = ExecutorParamsSchema.extend({
  name: z.string().openapi({ param: { name: "name", in: "path" }, description: "The server's name" }),
});

const EntrySchema = ServerViewSchema.extend({
  disabled_in: z.enum(["file", "gateway"]).optional().openapi({
    description: "Off by the executor's own switch, or set aside by the gateway (no switch in that file)",
  }),
}).openapi("ExecutorMcpServer");

const FileSchema = z.object({
  executor: z.string(),
  scope: z.enum(["global", "workspace"]),
  path: z.string().openapi({ description: "The executor's file" }),
  format: z.enum(["json", "toml"]),
  exists: z.boolean(),
});

const ListSchema = FileSchema.extend({ servers: z.array(EntrySchema), total: z.number().int() });
const EntryAnswer = EntrySchema.extend({ success: z.literal(true), server: EntrySchema, file: FileSchema });

function entryView(entry: ExecutorMcpEntry) {
  return {
    ...serverView(entry.name, entry.server, entry.enabled),
    ...(entry.disabled_in ? { disabled_in: entry.disabled_in } : {}),
  };
}

async function fileRef(c: Context<AppEnv>): Promise<ExecutorMcpFileRef> {
  const services = c.get("services");
  const query = ScopeQuerySchema.parse(c.req.query());
  const ws = await resolveWorkspace(services, query);
  const scope = query.scope ?? "global";
  if (scope === "workspace" && ws.scope.kind === "global") {
    throw badRequest(
      "WORKSPACE_REQUIRED",
      "scope=workspace needs a workspace_path other than the home directory",
    );
  }
  return { executor: executorParam(c), scope, workspacePath: ws.workspacePath };
}

function mcpOf(c: Context<AppEnv>) {
  return requireCapability(c.get("services"), "mcpConfig");
}

async function answerEntry(c: Context<AppEnv>, ref: ExecutorMcpFileRef, entry: ExecutorMcpEntry) {
  const { servers: _servers, ...file } = await mcpOf(c).listExecutorServers(ref);
  const view = entryView(entry);
  return { ...view, success: true as const, server: view, file };
}

async function findEntry(c: Context<AppEnv>, ref: ExecutorMcpFileRef, name: string) {
  const listing = await mcpOf(c).listExecutorServers(ref);
  const entry = listing.servers.find((e) => e.name === name);
  if (!entry) throw serverNotFound(name, listing.path);
  return entry;
}

const fileErrors = errorResponses(404, 409, 422, 501);

function switchRoute(enabled: boolean) {
  return defineRoute("operator", {
    method: "post",
    path: `/executors/{executor}/servers/{name}/${enabled ? "enable" : "disable"}`,
    operationId: enabled ? "enableExecutorMcpServer" : "disableExecutorMcpServer",
    tags: [TAG],
    summary: enabled
      ? "Switch an executor's MCP server on (restored into its file when the gateway had set it aside)"
      : "Switch an executor's MCP server off (its own switch, or set aside by the gateway until enabled)",
    request: { params: ExecutorServerParams, query: ScopeQuerySchema },
    responses: { 200: jsonContent(EntryAnswer, "The server"), ...fileErrors },
  });
}

function switchHandler(enabled: boolean) {
  return async (c: Context<AppEnv>) => {
    const ref = await fileRef(c);
    const entry = await mcpOf(c).updateExecutorServer(ref, nameParam(c), { enabled });
    return c.json(await answerEntry(c, ref, entry), 200);
  };
}

export const executorServersRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/executors/{executor}/servers",
      operationId: "listExecutorMcpServers",
      tags: [TAG],
      summary: "List the MCP servers in an executor's own config file (user-level or project)",
      request: { params: ExecutorParamsSchema, query: ScopeQuerySchema },
      responses: { 200: jsonContent(ListSchema, "The file and its servers"), ...errorResponses(422, 501) },
    }),
    async (c) => {
      const ref = await fileRef(c);
      const listing = await mcpOf(c).listExecutorServers(ref);
      const servers = listing.servers.map(entryView);
      return c.json({ ...listing, servers, total: servers.length }, 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/executors/{executor}/servers",
      operationId: "addExecutorMcpServer",
      tags: [TAG],
      summary: "Add an MCP server to an executor's config file, in its format, keeping the rest of the file",
      request: { params: ExecutorParamsSchema, query: ScopeQuerySchema, body: jsonBody(NewServerBodySchema) },
      responses: { 201: jsonContent(EntryAnswer, "Added"), ...fileErrors },
    }),
    async (c) => {
      const ref = await fileRef(c);
      const { name, server } = newServerOf(c.req.valid("json"));
      const entry = await mcpOf(c).addExecutorServer(ref, name, server);
      return c.json(await answerEntry(c, ref, entry), 201);
    },
  )
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/executors/{executor}/servers/{name}",
      operationId: "getExecutorMcpServer",
      tags: [TAG],
      summary: "Get one MCP server of an executor's config file",
      request: { params: ExecutorServerParams, query: ScopeQuerySchema },
      responses: { 200: jsonContent(EntrySchema, "The server"), ...errorResponses(404, 422, 501) },
    }),
    async (c) => {
      const ref = await fileRef(c);
      return c.json(entryView(await findEntry(c, ref, nameParam(c))), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "patch",
      path: "/executors/{executor}/servers/{name}",
      operationId: "updateExecutorMcpServer",
      tags: [TAG],
      summary: "Change an MCP server of an executor's config file (merge patch; `***` keeps a stored secret)",
      request: {
        params: ExecutorServerParams,
        query: ScopeQuerySchema,
        body: jsonBody(ServerPatchBodySchema),
      },
      responses: { 200: jsonContent(EntryAnswer, "The server"), ...fileErrors },
    }),
    async (c) => {
      const ref = await fileRef(c);
      const patch = c.req.valid("json") as Record<string, unknown>;
      const entry = await mcpOf(c).updateExecutorServer(ref, nameParam(c), patch);
      return c.json(await answerEntry(c, ref, entry), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "delete",
      path: "/executors/{executor}/servers/{name}",
      operationId: "deleteExecutorMcpServer",
      tags: [TAG],
      summary: "Remove an MCP server from an executor's config file, keeping the rest of the file",
      request: { params: ExecutorServerParams, query: ScopeQuerySchema },
      responses: {
        200: jsonContent(
          z.object({ success: z.literal(true), deleted: z.string(), path: z.string() }),
          "Removed",
        ),
        ...fileErrors,
      },
    }),
    async (c) => {
      const ref = await fileRef(c);
      const name = nameParam(c);
      await mcpOf(c).removeExecutorServer(ref, name);
      const { path } = await mcpOf(c).listExecutorServers(ref);
      return c.json({ success: true as const, deleted: name, path }, 200);
    },
  )
  .openapi(switchRoute(true), switchHandler(true))
  .openapi(switchRoute(false), switchHandler(false))
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/executors/{executor}/servers/{name}/test",
      operationId: "testExecutorMcpServer",
      tags: [TAG],
      summary:
        "Connect to an MCP server of an executor's config file and list its tools, prompts and resources",
      request: { params: ExecutorServerParams, query: ScopeQuerySchema.merge(TestQuerySchema) },
      responses: {
        200: jsonContent(McpTestReportSchema, "What the server offers"),
        ...errorResponses(404, 422, 501, 502, 504),
      },
    }),
    async (c) => {
      const ref = await fileRef(c);
      const name = nameParam(c);
      const entry = await findEntry(c, ref, name);
      const { timeout_ms } = c.req.valid("query");
      return c.json(await runTest(c.get("services"), name, entry.server, ref.workspacePath, timeout_ms), 200);
    },
  );
