import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";
import { oneLine, shortTime } from "./output.js";

export interface HistoryOptions {
  limit: string;
  search?: string;
  workspace?: string;
}

/**
 * `viben history [agent]`: the run history of one agent, or of every agent merged newest first
 * (GET /api/agent/{id}/history per agent; --search filters on the gateway).
 */
export async function showHistory(
  context: CliContext,
  agent: string | undefined,
  options: HistoryOptions,
): Promise<void> {
  const client = gatewayClient(context);
  const limit = Math.max(1, Number(options.limit) || 20);
  const ids = agent
    ? [agent]
    : (
        await unwrap(
          client.GET("/api/agent", {
            params: { query: options.workspace ? { workspace_path: options.workspace } : {} },
          }),
        )
      ).agents.flatMap((a) => (a ? [a.id] : []));
  const answers = await Promise.all(
    ids.map((id) =>
      unwrap(
        client.GET("/api/agent/{id}/history", {
          params: { path: { id }, query: { limit, ...(options.search ? { search: options.search } : {}) } },
        }),
      ),
    ),
  );
  const records = answers
    .flatMap((answer) => answer.records)
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, limit);
  const { out } = context;
  const c = out.colors;
  out.result({ records, total: answers.reduce((sum, answer) => sum + answer.total, 0) }, () =>
    out.table(
      records,
      [
        { header: "TIME", value: (r) => shortTime(r.created_at) },
        { header: "AGENT", value: (r) => r.agent_id },
        {
          header: "STATUS",
          value: (r) => r.status,
          color: (text) => (/fail|error/.test(text) ? c.red(text) : text),
        },
        { header: "TOKENS", value: (r) => r.tokens.input + r.tokens.output },
        { header: "SESSION", value: (r) => r.session_id },
        { header: "PROMPT", value: (r) => oneLine(r.prompt, 50) },
      ],
      "(no runs yet)",
    ),
  );
}
