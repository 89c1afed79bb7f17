import { stringify } from "yaml";
import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";

/*
 * What `viben agent …`, `executors`, `models` and `sessions` do: one API call each through the typed
 * client, printed as a table (or the answer itself with --json, so scripts see exactly what the API says).
 */

/** `viben agent create`'s options. */
export interface CreateOptions {
  id?: string;
  executor: string;
  prompt?: string;
  model?: string;
  workspace?: string;
}

const workspaceQuery = (workspace?: string) => (workspace ? { workspace_path: workspace } : {});

export async function listAgents(context: CliContext, workspace?: string): Promise<void> {
  const { out } = context;
  const answer = await unwrap(
    gatewayClient(context).GET("/api/agent", { params: { query: workspaceQuery(workspace) } }),
  );
  const c = out.colors;
  out.result(answer, () => {
    out.table(answer.agents, [
      { header: "ID", value: (a) => a?.id },
      { header: "NAME", value: (a) => a?.name },
      { header: "EXECUTOR", value: (a) => a?.executor_type },
      { header: "SCOPE", value: (a) => a?.source },
      {
        header: "AVAILABLE",
        value: (a) => (a?.is_available ? "yes" : "no"),
        color: (text) => (text === "yes" ? c.green(text) : c.yellow(text)),
      },
    ]);
    for (const warning of answer.warnings ?? []) out.note(c.yellow(`warning: ${JSON.stringify(warning)}`));
  });
}

export async function showAgent(context: CliContext, id: string, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).GET("/api/agent/{id}", {
      params: { path: { id }, query: workspaceQuery(workspace) },
    }),
  );
  context.out.result(answer, () => context.out.line(stringify(answer).trimEnd()));
}

export async function createAgent(context: CliContext, name: string, options: CreateOptions): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).POST("/api/agent", {
      body: {
        name,
        executor_type: options.executor,
        ...(options.id ? { id: options.id } : {}),
        ...(options.prompt ? { append_prompt: options.prompt } : {}),
        ...(options.model ? { model: options.model } : {}),
        ...(options.workspace ? { base_path: options.workspace } : {}),
      },
    }),
  );
  const { out } = context;
  out.result(answer, () => out.line(`created ${out.colors.bold(answer.id)} (${answer.source})`));
}

export async function deleteAgent(context: CliContext, id: string, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).DELETE("/api/agent/{id}", {
      params: { path: { id }, query: workspaceQuery(workspace) },
    }),
  );
  context.out.result(answer, () => context.out.line(`deleted ${id}`));
}

export async function defaultAgent(
  context: CliContext,
  id: string | undefined,
  workspace?: string,
): Promise<void> {
  const client = gatewayClient(context);
  const { out } = context;
  if (id) {
    const answer = await unwrap(
      client.PUT("/api/agent/default", { body: { agent_id: id, ...workspaceQuery(workspace) } }),
    );
    out.result(answer, () => out.line(`default agent: ${id}`));
    return;
  }
  const answer = await unwrap(
    client.GET("/api/agent/default", { params: { query: workspaceQuery(workspace) } }),
  );
  out.result(answer, () => out.line(answer.agent_id ?? out.colors.dim("(no default agent)")));
}

export async function listExecutors(context: CliContext, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).GET("/api/executors", { params: { query: workspaceQuery(workspace) } }),
  );
  const { out } = context;
  const c = out.colors;
  out.result(answer, () =>
    out.table(answer.executors, [
      { header: "ID", value: (e) => e.id },
      {
        header: "STATE",
        value: (e) => e.availability.type,
        color: (text) => (text === "NOT_INSTALLED" ? c.yellow(text) : c.green(text)),
      },
      { header: "MCP SERVERS", value: (e) => e.mcp_server_count },
    ]),
  );
}

export async function listModels(context: CliContext): Promise<void> {
  const answer = await unwrap(gatewayClient(context).GET("/api/models"));
  const { out } = context;
  out.result(answer, () =>
    out.table(answer.models, [
      { header: "ID", value: (m) => m.id },
      { header: "PROVIDER", value: (m) => m.provider_id },
      { header: "AVAILABLE", value: (m) => (m.is_available ? "yes" : "no") },
      { header: "DEFAULT", value: (m) => (m.is_default ? "*" : "") },
    ]),
  );
}

export async function listSessions(
  context: CliContext,
  options: { agent?: string; limit: string },
): Promise<void> {
  const limit = Number(options.limit);
  const answer = await unwrap(
    gatewayClient(context).GET("/api/sessions", {
      params: {
        query: { ...(options.agent ? { agent_id: options.agent } : {}), ...(limit > 0 ? { limit } : {}) },
      },
    }),
  );
  const { out } = context;
  out.result(answer, () =>
    out.table(answer.sessions, [
      { header: "ID", value: (s) => s.id },
      { header: "AGENT", value: (s) => s.agent_id },
      { header: "STATUS", value: (s) => s.status },
      { header: "MESSAGES", value: (s) => s.message_count },
      { header: "TITLE", value: (s) => s.title },
    ]),
  );
}
