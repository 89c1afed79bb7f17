import type { McpServerConfig } from "../../storage/agents.js";
import type { RunBinding } from "../runs/run-extensions.js";

/** The gateway's MCP server as executors see it: `mcp__viben__delegate` in Claude Code. */
export const GATEWAY_MCP_SERVER = "viben";

/**
 * Live runs by id and by their MCP token. A token is random, lives only while its run does, and is the
 * only credential of the MCP endpoint: it says which run is calling, so a delegation from inside a run
 * knows its parent (and so its depth) without trusting anything the model wrote.
 */
export class RunBindings {
  private readonly byRun = new Map<string, RunBinding & { token: string }>();
  private readonly byToken = new Map<string, string>();

  bind(run: RunBinding): string {
    const existing = this.byRun.get(run.runId);
    if (existing) return existing.token;
    const token = randomToken();
    this.byRun.set(run.runId, { ...run, token });
    this.byToken.set(token, run.runId);
    return token;
  }

  run(runId: string): RunBinding | undefined {
    return this.byRun.get(runId);
  }

  byTokenOf(token: string): RunBinding | undefined {
    const runId = this.byToken.get(token);
    return runId === undefined ? undefined : this.byRun.get(runId);
  }

  release(runId: string): void {
    const run = this.byRun.get(runId);
    if (!run) return;
    this.byRun.delete(runId);
    this.byToken.delete(run.token);
  }
}

/** The MCP server entry handed to an executor: the gateway's endpoint with the run's token. */
export function gatewayMcpServer(baseUrl: string, token: string): McpServerConfig {
  return { type: "http", url: `${baseUrl}/mcp`, headers: { Authorization: `Bearer ${token}` } };
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
