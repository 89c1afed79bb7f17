import { z } from "@hono/zod-openapi";
import type { ExecutorId } from "../../storage/executor-types.js";
import type { McpServer } from "../../storage/mcp-servers.js";

/** Which executor file: the executor's user-level (`global`) or project-level (`workspace`) one. */
export interface ExecutorMcpFileRef {
  executor: ExecutorId;
  scope: "global" | "workspace";
  /** The workspace (absolute, already checked); the home directory for `global`. */
  workspacePath: string;
}

/** One server as an executor's file holds it, in the gateway's shape. */
export interface ExecutorMcpEntry {
  name: string;
  enabled: boolean;
  server: McpServer;
  /** Where a disabled server is kept: the executor's own switch in its file, or set aside by the gateway. */
  disabled_in?: "file" | "gateway";
}

export interface ExecutorMcpListing {
  executor: ExecutorId;
  scope: "global" | "workspace";
  /** The file's absolute path. */
  path: string;
  format: "json" | "toml";
  exists: boolean;
  servers: ExecutorMcpEntry[];
}

/** What a live test found (`POST /api/mcp/test`): the server's own description of itself. */
export const McpTestReportSchema = z
  .object({
    ok: z.literal(true),
    name: z.string(),
    transport: z.enum(["stdio", "http", "sse"]),
    server_info: z.object({ name: z.string(), version: z.string() }).loose().nullable(),
    protocol_version: z.string().nullable(),
    capabilities: z.record(z.string(), z.unknown()),
    instructions: z.string().nullable(),
    tools: z.array(
      z.object({ name: z.string(), description: z.string().optional(), input_schema: z.unknown() }).loose(),
    ),
    prompts: z.array(z.object({ name: z.string(), description: z.string().optional() }).loose()),
    resources: z.array(z.object({ uri: z.string(), name: z.string().optional() }).loose()),
    resource_templates: z.array(z.object({ uriTemplate: z.string(), name: z.string().optional() }).loose()),
    duration_ms: z.number(),
  })
  .openapi("McpTestReport");

export type McpTestReport = z.infer<typeof McpTestReportSchema>;

export type McpTestOutcome =
  | McpTestReport
  | {
      ok: false;
      /** TIMEOUT: no answer within the limit; UNREACHABLE: could not start, connect or complete the handshake. */
      reason: "TIMEOUT" | "UNREACHABLE";
      error: string;
      /** The tail of a stdio server's stderr, secrets masked. */
      stderr?: string;
    };

export interface McpTestRequest {
  name: string;
  server: McpServer;
  /** Where a stdio server starts (its working directory). */
  workspacePath: string;
  timeoutMs: number;
}

/**
 * MCP configuration that needs the machine (Node): the executors' own config files, edited in place, and
 * live connections to MCP servers. Absent on workerd, where /api/mcp's executor and test routes answer 501.
 */
export interface McpConfigService {
  listExecutorServers(ref: ExecutorMcpFileRef): Promise<ExecutorMcpListing>;
  /** Adds a server; refuses (409) a name the file or the set-aside entries already hold. */
  addExecutorServer(ref: ExecutorMcpFileRef, name: string, server: McpServer): Promise<ExecutorMcpEntry>;
  /** Changes a server (a merge patch of its fields and/or `enabled`); 404 when the name is unknown. */
  updateExecutorServer(
    ref: ExecutorMcpFileRef,
    name: string,
    patch: Record<string, unknown>,
  ): Promise<ExecutorMcpEntry>;
  /** Removes a server from the file (and any set-aside copy); 404 when the name is unknown. */
  removeExecutorServer(ref: ExecutorMcpFileRef, name: string): Promise<void>;
  /** Connects, lists tools, prompts and resources, and disconnects; never throws for the server's failures. */
  test(request: McpTestRequest): Promise<McpTestOutcome>;
}
