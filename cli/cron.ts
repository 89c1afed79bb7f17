import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";
import { oneLine, shortTime } from "./output.js";

/*
 * What `viben cron …` does, over /api/cron: list, add (printing the next runs the gateway computed in the
 * job's timezone), pause, resume, run now, runs (history) and remove.
 */

export interface CronAddOptions {
  schedule?: string;
  every?: string;
  agent: string;
  message: string;
  tz?: string;
  workspace?: string;
  cwd?: string;
}

export async function listCron(context: CliContext): Promise<void> {
  const answer = await unwrap(gatewayClient(context).GET("/api/cron"));
  const { out } = context;
  const c = out.colors;
  out.result(answer, () => {
    out.table(
      answer.jobs,
      [
        { header: "ID", value: (j) => j.id },
        { header: "NAME", value: (j) => j.name },
        { header: "SCHEDULE", value: (j) => j.schedule },
        { header: "TZ", value: (j) => j.timezone },
        { header: "AGENT", value: (j) => j.agent_id },
        {
          header: "STATE",
          value: (j) => (j.enabled ? "active" : "paused"),
          color: (text) => (text === "active" ? c.green(text) : c.yellow(text)),
        },
        { header: "NEXT RUN", value: (j) => shortTime(j.next_runs[0], j.timezone) },
      ],
      "(no cron jobs)",
    );
    for (const problem of answer.problems) out.note(c.yellow(`warning: ${problem.path}: ${problem.error}`));
  });
}

export async function addCron(context: CliContext, name: string, options: CronAddOptions): Promise<void> {
  const schedule = options.schedule ?? (options.every ? `every ${options.every}` : undefined);
  if (!schedule) throw new CliError("say when it runs: --schedule '<cron expression>' or --every <5m|1h|…>");
  const answer = await unwrap(
    gatewayClient(context).POST("/api/cron", {
      body: {
        name,
        schedule,
        agent_id: options.agent,
        prompt: options.message,
        ...(options.tz ? { timezone: options.tz } : {}),
        ...(options.workspace ? { workspace_path: options.workspace } : {}),
        ...(options.cwd ? { workdir: options.cwd } : {}),
      },
    }),
  );
  const { out } = context;
  out.result(answer, () => {
    out.line(`created ${out.colors.bold(answer.id)} (${answer.schedule}, ${answer.timezone})`);
    const next = (answer as { next_runs?: string[] }).next_runs ?? [];
    if (next.length > 0)
      out.line(
        `next runs (${answer.timezone}): ${next.map((t) => shortTime(t, answer.timezone)).join(", ")}`,
      );
  });
}

export async function setCronState(
  context: CliContext,
  id: string,
  action: "pause" | "resume",
): Promise<void> {
  const client = gatewayClient(context);
  const answer = await unwrap(
    action === "pause"
      ? client.POST("/api/cron/{id}/pause", { params: { path: { id } } })
      : client.POST("/api/cron/{id}/resume", { params: { path: { id } } }),
  );
  context.out.result(answer, () => context.out.line(`${id} ${action === "pause" ? "paused" : "resumed"}`));
}

export async function runCronNow(context: CliContext, id: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).POST("/api/cron/{id}/run", { params: { path: { id } } }),
  );
  context.out.result(answer, () =>
    context.out.line(
      `started ${id}: run ${answer.id} (${answer.status}${answer.queue_job_id ? `, queue job ${answer.queue_job_id}` : ""})`,
    ),
  );
}

export async function listCronRuns(context: CliContext, id: string, limit: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).GET("/api/cron/{id}/runs", {
      params: { path: { id }, query: { limit: Math.max(1, Number(limit) || 20) } },
    }),
  );
  const { out } = context;
  out.result(answer, () =>
    out.table(
      answer.runs,
      [
        { header: "SCHEDULED", value: (r) => shortTime(r.scheduled_for) },
        { header: "TRIGGER", value: (r) => r.trigger },
        { header: "STATUS", value: (r) => r.status },
        { header: "SESSION", value: (r) => r.session_id },
        { header: "ERROR", value: (r) => oneLine(r.error ?? "", 50) },
      ],
      "(no runs yet)",
    ),
  );
}

export async function removeCron(context: CliContext, id: string): Promise<void> {
  const answer = await unwrap(gatewayClient(context).DELETE("/api/cron/{id}", { params: { path: { id } } }));
  context.out.result(answer, () => context.out.line(`removed ${id}`));
}
