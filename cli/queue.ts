import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { oneLine, shortTime } from "./output.js";

const STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "interrupted"] as const;
type JobStatus = (typeof STATUSES)[number];

export interface QueueOptions {
  status?: string;
  agent?: string;
  limit: string;
}

/**
 * `viben queue`: the lanes (running / queued / limit, overall, per agent and per workspace) and the jobs,
 * waiting and running ones first by default.
 */
export async function showQueue(context: CliContext, options: QueueOptions): Promise<void> {
  const client = gatewayClient(context);
  const statuses = (options.status ?? "queued,running").split(",").map((s) => s.trim());
  const unknown = statuses.find((s) => !(STATUSES as readonly string[]).includes(s));
  if (unknown) throw new CliError(`unknown status '${unknown}': one of ${STATUSES.join(", ")}`);
  const limit = Math.max(1, Number(options.limit) || 50);
  const [lanes, ...lists] = await Promise.all([
    unwrap(client.GET("/api/queue/lanes")),
    ...statuses.map((status) =>
      unwrap(
        client.GET("/api/queue", {
          params: {
            query: {
              status: status as JobStatus,
              limit,
              ...(options.agent ? { agent_id: options.agent } : {}),
            },
          },
        }),
      ),
    ),
  ]);
  const jobs = lists.flatMap((list) => list.jobs);
  const { out } = context;
  out.result({ lanes, jobs }, () => {
    const lane = (name: string, l: { running: number; queued: number; limit: number }) =>
      `${name}: ${l.running}/${l.limit} running, ${l.queued} queued`;
    out.line(lane("all agents", lanes.global));
    for (const a of lanes.agents) out.line(`  ${lane(`agent ${a.agent_id}`, a)}`);
    for (const w of lanes.workspaces) out.line(`  ${lane(`workspace ${w.workspace_path}`, w)}`);
    out.line();
    out.table(
      jobs,
      [
        { header: "ID", value: (j) => j.id },
        { header: "STATUS", value: (j) => j.status },
        { header: "AGENT", value: (j) => j.agent_id },
        { header: "SOURCE", value: (j) => j.source },
        { header: "QUEUED", value: (j) => shortTime(j.created_at) },
        { header: "PROMPT", value: (j) => oneLine(j.prompt, 40) },
      ],
      `(no ${statuses.join(" or ")} jobs)`,
    );
  });
}

export async function cancelQueueJob(context: CliContext, id: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).POST("/api/queue/{id}/cancel", { params: { path: { id } } }),
  );
  context.out.result(answer, () => context.out.line(`${id}: ${answer.status}`));
}
