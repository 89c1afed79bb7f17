import type {
  McpTestOutcome,
  McpTestReport,
  McpTestRequest,
} from "../../handlers/capabilities/mcp-config.js";
import type { McpServerConfig } from "../../storage/agents.js";
import { expandEnv } from "../../storage/env.js";
import type { EnvRecord } from "../executors/locations.js";
import { mcpTransport } from "../executors/mcp-servers.js";
import type { ProcessFamily } from "../runs/process-cookie.js";
import { VERSION } from "../version.js";

export interface McpTesterOptions {
  /** The gateway's environment: `${VAR}` references in env, headers and URL are expanded from it. */
  env: EnvRecord;
  /** A cookie family per test, so a stdio server and whatever it spawned die with the test (and at shutdown). */
  family: (id: string) => ProcessFamily;
  newId?: () => string;
  now?: () => number;
}

/** Pages read per listing: a server that keeps answering with a cursor cannot hold the test forever. */
const MAX_PAGES = 20;

class TestTimeout extends Error {}

function expandRecord(
  values: Record<string, string> | undefined,
  env: EnvRecord,
): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, expandEnv(v, env).value]));
}

/** Secret values (env, headers) never reach an answer, even when a server prints them. */
function maskSecrets(text: string, server: McpServerConfig): string {
  let masked = text;
  for (const value of [...Object.values(server.env ?? {}), ...Object.values(server.headers ?? {})]) {
    if (value.length >= 4) masked = masked.split(value).join("***");
  }
  return masked;
}

/**
 * Live MCP server tests: start (stdio) or reach (streamable HTTP, SSE) the server with the MCP SDK, run the
 * handshake, list its tools, prompts and resources, and close it, all within one deadline. The SDK and the
 * transports load on the first test.
 */
export function createMcpTester(options: McpTesterOptions) {
  const newId = options.newId ?? (() => crypto.randomUUID());
  const now = options.now ?? Date.now;

  return async function testMcpServer(request: McpTestRequest): Promise<McpTestOutcome> {
    const [{ Client }, { createMcpTransport }] = await Promise.all([
      import("@modelcontextprotocol/sdk/client/index.js"),
      import("../native/mcp/mcp-transport.js"),
    ]);
    const started = now();
    const transport = mcpTransport(request.server);
    const expanded: McpServerConfig = {
      ...request.server,
      env: expandRecord(request.server.env, options.env),
      headers: expandRecord(request.server.headers, options.env),
      ...(request.server.url ? { url: expandEnv(request.server.url, options.env).value } : {}),
    };
    const family = options.family(`mcp-test-${newId()}`);
    let handle: ReturnType<typeof createMcpTransport>;
    try {
      handle = createMcpTransport(request.name, expanded, request.workspacePath, family.env({}));
    } catch (error) {
      return { ok: false, reason: "UNREACHABLE", error: (error as Error).message };
    }
    const client = new Client({ name: "viben-gateway", version: VERSION });
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(new TestTimeout());
      }, request.timeoutMs);
    });
    const call = { signal: abort.signal, timeout: request.timeoutMs };

    const explore = async (): Promise<McpTestReport> => {
      await client.connect(handle.transport, call);
      const capabilities = (client.getServerCapabilities() ?? {}) as Record<string, unknown>;
      const pages = async <T>(list: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>) => {
        const items: T[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await list(cursor);
          items.push(...answer.items);
          cursor = answer.nextCursor;
          if (!cursor) break;
        }
        return items;
      };
      const params = (cursor?: string) => (cursor ? { cursor } : {});
      const tools = capabilities.tools
        ? await pages(async (c) => {
            const r = await client.listTools(params(c), call);
            return { items: r.tools, nextCursor: r.nextCursor };
          })
        : [];
      const prompts = capabilities.prompts
        ? await pages(async (c) => {
            const r = await client.listPrompts(params(c), call);
            return { items: r.prompts, nextCursor: r.nextCursor };
          })
        : [];
      const resources = capabilities.resources
        ? await pages(async (c) => {
            const r = await client.listResources(params(c), call);
            return { items: r.resources, nextCursor: r.nextCursor };
          })
        : [];
      const templates = capabilities.resources
        ? await pages(async (c) => {
            const r = await client.listResourceTemplates(params(c), call);
            return { items: r.resourceTemplates, nextCursor: r.nextCursor };
          }).catch(() => [])
        : [];
      const info = client.getServerVersion();
      return {
        ok: true,
        name: request.name,
        transport,
        server_info: info ? { ...info } : null,
        protocol_version: (handle.transport as { protocolVersion?: string }).protocolVersion ?? null,
        capabilities,
        instructions: client.getInstructions() ?? null,
        tools: tools.map(({ inputSchema, ...tool }) => ({ ...tool, input_schema: inputSchema })),
        prompts,
        resources,
        resource_templates: templates,
        duration_ms: Math.max(0, now() - started),
      };
    };

    try {
      return await Promise.race([explore(), deadline]);
    } catch (error) {
      const stderr = maskSecrets(handle.stderrTail().trim(), request.server);
      const timedOut = error instanceof TestTimeout || abort.signal.aborted;
      const message = timedOut
        ? `MCP server '${request.name}' did not answer within ${request.timeoutMs} ms`
        : `MCP server '${request.name}' failed: ${maskSecrets((error as Error).message ?? String(error), request.server)}`;
      return {
        ok: false,
        reason: timedOut ? "TIMEOUT" : "UNREACHABLE",
        error: message,
        ...(stderr ? { stderr } : {}),
      };
    } finally {
      clearTimeout(timer);
      try {
        await client.close();
      } catch {
        // A half-open transport may fail to close; the family kill below still ends the process.
      }
      await family.kill();
    }
  };
}
