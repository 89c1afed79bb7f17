import { invalid, StorageError } from "./errors.js";
import { describeIssues, idSchema } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { TASK_STATUSES, type TaskStatus } from "./tasks.js";
import { applyPatch, yamlToObject } from "./yaml.js";
import { z } from "./zod.js";

export const KANBAN_KEY = "kanban.yaml";

export const KanbanColumnSchema = z.object({
  id: idSchema,
  name: z.string().trim().min(1, "must not be empty").max(200),
  /** The task status a card in this column has; several columns may share one. */
  status: z.enum(TASK_STATUSES),
});

export type KanbanColumn = z.infer<typeof KanbanColumnSchema>;

/** `<workspace>/.viben/kanban.yaml`; keys written by hand are kept. */
const BoardFileSchema = z
  .object({
    columns: z.array(KanbanColumnSchema).optional(),
    /** Task ids per column id, top first. Ids of tasks gone or moved elsewhere are ignored when read. */
    order: z.record(z.string(), z.array(z.string())).default({}),
  })
  .loose();

export interface BoardState {
  columns: KanbanColumn[];
  order: Record<string, string[]>;
}

export const DEFAULT_COLUMNS: readonly KanbanColumn[] = [
  { id: "todo", name: "To Do", status: "todo" },
  { id: "inprogress", name: "In Progress", status: "inprogress" },
  { id: "inreview", name: "In Review", status: "inreview" },
  { id: "done", name: "Done", status: "done" },
  { id: "cancelled", name: "Cancelled", status: "cancelled" },
];

/** Column ids are unique and every status has a column, so every task has somewhere to be. */
export function checkColumns(columns: KanbanColumn[]): void {
  const seen = new Set<string>();
  columns.forEach((column, i) => {
    if (seen.has(column.id)) throw invalid(`columns.${i}.id`, `duplicate column id '${column.id}'`);
    seen.add(column.id);
  });
  const missing = TASK_STATUSES.filter((status) => !columns.some((c) => c.status === status));
  if (missing.length > 0) {
    throw invalid("columns", `every status needs a column; none for ${missing.join(", ")}`, { missing });
  }
}

export interface BoardTask {
  id: string;
  task: { status: TaskStatus };
}

/**
 * Places tasks in columns: a task stays where the board's order puts it while that column matches its
 * status; any other task (new, or whose status changed since) goes to the end of the first column of its
 * status, in the order given (creation order).
 */
export function layoutBoard<T extends BoardTask>(
  state: BoardState,
  tasks: T[],
): { column: KanbanColumn; tasks: T[] }[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const placed = new Set<string>();
  const lanes = state.columns.map((column) => {
    const here: T[] = [];
    for (const id of state.order[column.id] ?? []) {
      const task = byId.get(id);
      if (task && task.task.status === column.status && !placed.has(id)) {
        here.push(task);
        placed.add(id);
      }
    }
    return { column, tasks: here };
  });
  for (const task of tasks) {
    if (placed.has(task.id)) continue;
    lanes.find((lane) => lane.column.status === task.task.status)?.tasks.push(task);
  }
  return lanes;
}

/** The board a file holds (the default columns when it names none); a hand-broken file is a 422. */
function parseBoard(scope: Scope, data: Record<string, unknown>): BoardState {
  const parsed = BoardFileSchema.safeParse(data);
  if (!parsed.success) {
    const { message } = describeIssues(parsed.error);
    throw new StorageError("corrupt", "INVALID_KANBAN", `${KANBAN_KEY}: ${message}`, {
      path: scope.store.pathOf(KANBAN_KEY),
    });
  }
  const columns = parsed.data.columns ?? DEFAULT_COLUMNS.map((c) => ({ ...c }));
  return { columns, order: parsed.data.order };
}

/** One kanban board per workspace (the home workspace's lives in the global root). */
export class KanbanRepository {
  async read(scope: Scope): Promise<BoardState> {
    return parseBoard(scope, (await scope.store.read(KANBAN_KEY))?.data ?? {});
  }

  /** Replaces the columns (rename, reorder, add, remove); orders of removed columns are dropped. */
  async saveColumns(scope: Scope, columns: KanbanColumn[]): Promise<BoardState> {
    checkColumns(columns);
    return this.write(scope, (state) => ({
      columns,
      order: Object.fromEntries(
        Object.entries(state.order).filter(([id]) => columns.some((c) => c.id === id)),
      ),
    }));
  }

  /** Sets a column's cards (top first), taking them out of every other column's order. */
  async saveOrder(scope: Scope, columnId: string, taskIds: string[]): Promise<BoardState> {
    const moving = new Set(taskIds);
    return this.write(scope, (state) => ({
      columns: state.columns,
      order: {
        ...Object.fromEntries(
          Object.entries(state.order).map(([id, ids]) => [id, ids.filter((t) => !moving.has(t))]),
        ),
        [columnId]: taskIds,
      },
    }));
  }

  private async write(scope: Scope, next: (state: BoardState) => BoardState): Promise<BoardState> {
    let result: BoardState | undefined;
    await scope.store.update(KANBAN_KEY, (doc) => {
      result = next(parseBoard(scope, doc ? yamlToObject(doc) : {}));
      const target = doc ?? scope.store.emptyDocument();
      applyPatch(target, { columns: result.columns, order: result.order });
      return target;
    });
    return result!;
  }
}
