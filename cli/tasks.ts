import { stringify } from "yaml";
import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";

/*
 * What `viben tasks …` does, over /api/tasks and the kanban board: list (by column), add, show, move to a
 * column, start (runs it through the queue) and remove.
 */

const inWorkspace = (workspace?: string) => (workspace ? { workspace_path: workspace } : {});

export async function listTasks(context: CliContext, workspace?: string): Promise<void> {
  const board = await unwrap(
    gatewayClient(context).GET("/api/kanban", { params: { query: inWorkspace(workspace) } }),
  );
  const { out } = context;
  const rows = board.columns.flatMap((column) => column.tasks.map((task) => ({ column, task })));
  out.result(board, () =>
    out.table(
      rows,
      [
        { header: "ID", value: (r) => r.task.id },
        { header: "COLUMN", value: (r) => r.column.name },
        { header: "AGENT", value: (r) => r.task.agent_id },
        { header: "TITLE", value: (r) => r.task.title },
      ],
      "(no tasks)",
    ),
  );
}

export interface TaskAddOptions {
  agent?: string;
  description?: string;
  workspace?: string;
}

export async function addTask(context: CliContext, title: string, options: TaskAddOptions): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).POST("/api/tasks", {
      body: {
        title,
        ...(options.agent ? { agent_id: options.agent } : {}),
        ...(options.description ? { description: options.description } : {}),
        ...inWorkspace(options.workspace),
      },
    }),
  );
  context.out.result(answer, () =>
    context.out.line(`created ${context.out.colors.bold(answer.id)} (${answer.status})`),
  );
}

export async function showTask(context: CliContext, id: string, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).GET("/api/tasks/{id}", {
      params: { path: { id }, query: inWorkspace(workspace) },
    }),
  );
  context.out.result(answer, () => context.out.line(stringify(answer).trimEnd()));
}

/** Moves a task to the end of a board column (a column id such as todo, inprogress, inreview, done). */
export async function moveTask(
  context: CliContext,
  id: string,
  column: string,
  workspace?: string,
): Promise<void> {
  const board = await unwrap(
    gatewayClient(context).POST("/api/kanban/move", {
      params: { query: inWorkspace(workspace) },
      // Past the end appends: the card goes to the bottom of the column.
      body: { task_id: id, column, position: Number.MAX_SAFE_INTEGER },
    }),
  );
  context.out.result(board, () => context.out.line(`moved ${id} to ${column}`));
}

export async function startTask(context: CliContext, id: string, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).POST("/api/tasks/{id}/start", {
      params: { path: { id }, query: inWorkspace(workspace) },
    }),
  );
  const attempt = answer.attempts.at(-1);
  context.out.result(answer, () =>
    context.out.line(`started ${id}${attempt ? ` (queue job ${attempt.job_id})` : ""}`),
  );
}

export async function removeTask(context: CliContext, id: string, workspace?: string): Promise<void> {
  const answer = await unwrap(
    gatewayClient(context).DELETE("/api/tasks/{id}", {
      params: { path: { id }, query: inWorkspace(workspace) },
    }),
  );
  context.out.result(answer, () => context.out.line(`removed ${id}`));
}
