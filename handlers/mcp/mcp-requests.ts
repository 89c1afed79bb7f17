import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { canonicalExecutorId, EXECUTOR_IDS, type ExecutorId } from "../../storage/executor-types.js";
import { checkServerName, type McpServer, newServer } from "../../storage/mcp-servers.js";
import { redactRecord } from "../../storage/rules/redact.js";
import { resolveWorkspace } from "../../storage/rules/workspace.js";
import type { McpTestOutcome, McpTestReport } from "../capabilities/mcp-config.js";
import type { AppEnv, Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { requireCapability } from "../lib/capability-guard.js";
import { WorkspaceQuerySchema } from "../lib/schemas.js";

/** What the /api/mcp route files share: request shapes, the server view, scope and test handling. */

export const TAG = "MCP servers";

const stringMap = z.record(z.string(), z.string());

const serverFields = {
  type: z.enum(["stdio", "http", "sse"]).optional().openapi({
    description: "Transport; default: http when a url is given, else stdio",
  }),
  command: z.string().optional().openapi({ description: "stdio: the program to start" }),
  args: z.array(z.string()).optional(),
  env: stringMap.optional().openapi({ description: "stdio: environment; `${VAR}` references are expanded" }),
  url: z.string().optional().openapi({ description: "http / sse: the server's URL" }),
  headers: stringMap.optional().openapi({ description: "http / sse: request headers (e.g. Authorization)" }),
  enabled: z.boolean().optional().openapi({ description: "false keeps the server but switches it off" }),
};

/** A new server: its fields at the top level, or wrapped as `{server: {...}}` as Viben's desktop sends them. */
export const NewServerBodySchema = z
  .object({
    name: z.string().optional().openapi({ description: "The server's name (required, here or in server)" }),
    ...serverFields,
    server: z.record(z.string(), z.unknown()).optional().openapi({ description: "Viben's wrapped form" }),
  })
  .loose()
  .openapi("NewMcpServer");

/** A merge patch: fields given replace, null removes, `***` in env/headers keeps the stored secret. */
export const ServerPatchBodySchema = z
  .object({
    type: serverFields.type.nullable(),
    command: z.string().nullable().optional(),
    args: z.array(z.string()).nullable().optional(),
    env: stringMap.nullable().optional(),
    url: z.string().nullable().optional(),
    headers: stringMap.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .loose()
  .openapi("McpServerPatch");

export const ServerViewSchema = z
  .object({
    name: z.string(),
    type: z.enum(["stdio", "http", "sse"]),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    env: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Values masked `***` unless `${VAR}`" }),
    url: z.string().optional(),
    headers: z.record(z.string(), z.unknown()).optional().openapi({ description: "Values masked like env" }),
    enabled: z.boolean(),
  })
  .loose()
  .openapi("McpServer");

export type ServerView = z.infer<typeof ServerViewSchema>;

/** The server as answered: flat, transport settled, secrets masked. */
export function serverView(name: string, server: McpServer, enabled = server.enabled !== false): ServerView {
  const { env, headers, enabled: _enabled, name: _name, ...rest } = server as McpServer & { name?: unknown };
  return {
    name,
    ...rest,
    type: server.type ?? (server.url ? "http" : "stdio"),
    ...(env ? { env: redactRecord(env) } : {}),
    ...(headers ? { headers: redactRecord(headers) } : {}),
    enabled,
  };
}

/** Name and server of a create request, in either form. */
export function newServerOf(body: z.infer<typeof NewServerBodySchema>): { name: string; server: McpServer } {
  const { server: wrapped, name: topName, ...fields } = body;
  const source: Record<string, unknown> = wrapped ? { ...wrapped } : fields;
  const name = checkServerName(topName ?? source.name);
  delete source.name;
  return { name, server: newServer(source) };
}

export const NameParamsSchema = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, description: "The server's name" }),
});

export function nameParam(c: Context<AppEnv>): string {
  return checkServerName(c.req.param("name"));
}

export const ScopeQuerySchema = WorkspaceQuerySchema.extend({
  scope: z
    .enum(["global", "workspace"])
    .optional()
    .openapi({ description: "global (~/.viben or the executor's user file) or workspace (the project's)" }),
});

/** The scope a write goes to: as named, else the workspace when one other than home is given, else global. */
export async function writeScope(services: Services, query: z.infer<typeof ScopeQuerySchema>) {
  const ws = await resolveWorkspace(services, query);
  const global = ws.scope.kind === "global";
  if (query.scope === "workspace" && global) {
    throw badRequest(
      "WORKSPACE_REQUIRED",
      "scope=workspace needs a workspace_path other than the home directory",
    );
  }
  const kind = query.scope ?? (global ? "global" : "workspace");
  return { ws, kind, scope: kind === "global" ? services.scopes.global() : ws.scope };
}

export const ExecutorParamsSchema = z.object({
  executor: z.string().openapi({
    param: { name: "executor", in: "path" },
    description: `One of ${EXECUTOR_IDS.join(", ")} (any case; CURSOR for CURSOR_AGENT)`,
  }),
});

export function executorParam(c: Context<AppEnv>): ExecutorId {
  const raw = c.req.param("executor") ?? "";
  const id = canonicalExecutorId(raw);
  if (!id)
    throw badRequest("UNKNOWN_EXECUTOR", `executor: must be one of ${EXECUTOR_IDS.join(", ")}`, {
      executor: raw,
    });
  return id;
}

export const TestQuerySchema = z.object({
  timeout_ms: z.coerce.number().int().min(100).max(120_000).optional().openapi({
    type: "integer",
    description: "Limit for starting, the handshake and the listings (default 15000)",
  }),
});

export const DEFAULT_TEST_TIMEOUT_MS = 15_000;

/** Runs a live test; a server that fails answers 502, one that does not answer in time 504. */
export async function runTest(
  services: Services,
  name: string,
  server: McpServer,
  workspacePath: string,
  timeoutMs = DEFAULT_TEST_TIMEOUT_MS,
): Promise<McpTestReport> {
  const mcp = requireCapability(services, "mcpConfig");
  const outcome: McpTestOutcome = await mcp.test({ name, server, workspacePath, timeoutMs });
  if (outcome.ok) return outcome;
  const details = { name, timeout_ms: timeoutMs, ...(outcome.stderr ? { stderr: outcome.stderr } : {}) };
  if (outcome.reason === "TIMEOUT") throw new ApiError(504, "MCP_TEST_TIMEOUT", outcome.error, details);
  throw new ApiError(502, "MCP_SERVER_UNREACHABLE", outcome.error, details);
}
