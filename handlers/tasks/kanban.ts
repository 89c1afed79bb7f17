import { z } from "@hono/zod-openapi";
import { KanbanColumnSchema, layoutBoard } from "../../storage/kanban.js";
import { KeyedMutex } from "../../storage/lock.js";
import { resolveWorkspacePath } from "../../storage/rules/workspace.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { Scope } from "../../storage/scopes.js";
import { TASK_STATUSES } from "../../storage/tasks.js";
import type { Services } from "../context.js";
import { badRequest } from "../errors.js";
import { createRouter } from "../lib/app-factory.js";
import { defineRoute } from "../lib/roles.js";
import { errorResponses, jsonBody, jsonContent, WorkspaceQuerySchema } from "../lib/schemas.js";
import { TaskSchema, taskStores, taskView } from "./task-views.js";
import { changeTaskStatus } from "./task-workflow.js";

const ScopeQuery = WorkspaceQuerySchema.pick({ workspace_path: true });

const BoardSchema = z
  .object({
    workspace_path: z.string(),
    columns: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: z.enum(TASK_STATUSES),
        tasks: z.array(TaskSchema),
      }),
    ),
  })
  .openapi("KanbanBoard");

const MoveSchema = z
  .object({
    task_id: idSchema,
    column: idSchema.openapi({ description: "Target column id" }),
    position: z
      .number()
      .int()
      .min(0)
      .openapi({ description: "0-based place in the column; past the end appends" }),
    workspace_path: z.string().optional(),
  })
  .strict()
  .openapi("KanbanMove");

const ColumnsSchema = z
  .object({ columns: z.array(KanbanColumnSchema).min(1).max(50) })
  .strict()
  .openapi("KanbanColumns");

// Moves in one workspace are serialised: each reads the board, then writes the column's new order.
const boardLocks = new KeyedMutex();

async function board(services: Services, scope: Scope) {
  const { tasks, kanban } = taskStores(services);
  const lanes = layoutBoard(await kanban.read(scope), (await tasks.list([scope])).tasks);
  return {
    lanes,
    view: () => ({
      workspace_path: scope.workspacePath,
      columns: lanes.map(({ column, tasks: cards }) => ({ ...column, tasks: cards.map(taskView) })),
    }),
  };
}

/** /api/kanban: one board per workspace (`<workspace>/.viben/kanban.yaml`): columns, card order, moves. */
export const kanbanRouter = createRouter()
  .openapi(
    defineRoute("viewer", {
      method: "get",
      path: "/",
      operationId: "getKanbanBoard",
      tags: ["Kanban"],
      summary: "The workspace's board: columns in order, each with its tasks in order",
      request: { query: ScopeQuery },
      responses: { 200: jsonContent(BoardSchema, "The board"), ...errorResponses(400, 422) },
    }),
    async (c) => {
      const services = c.get("services");
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      return c.json((await board(services, services.scopes.workspace(workspacePath))).view(), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "put",
      path: "/columns",
      operationId: "setKanbanColumns",
      tags: ["Kanban"],
      summary: "Replace the columns (rename, reorder, add); every status needs at least one column",
      request: { query: ScopeQuery, body: jsonBody(ColumnsSchema) },
      responses: { 200: jsonContent(BoardSchema, "The board"), ...errorResponses(400, 422, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const workspacePath = await resolveWorkspacePath(services, c.req.valid("query").workspace_path);
      const scope = services.scopes.workspace(workspacePath);
      await boardLocks.run(workspacePath, () =>
        taskStores(services).kanban.saveColumns(scope, c.req.valid("json").columns),
      );
      return c.json((await board(services, scope)).view(), 200);
    },
  )
  .openapi(
    defineRoute("operator", {
      method: "post",
      path: "/move",
      operationId: "moveKanbanCard",
      tags: ["Kanban"],
      summary: "Move a card to a column and place; a column of another status changes the task's status",
      request: { query: ScopeQuery, body: jsonBody(MoveSchema) },
      responses: { 200: jsonContent(BoardSchema, "The board"), ...errorResponses(400, 404, 409, 422, 501) },
    }),
    async (c) => {
      const services = c.get("services");
      const body = c.req.valid("json");
      const workspacePath = await resolveWorkspacePath(
        services,
        body.workspace_path ?? c.req.valid("query").workspace_path,
      );
      const scope = services.scopes.workspace(workspacePath);
      const { tasks, kanban } = taskStores(services);
      await boardLocks.run(workspacePath, async () => {
        const state = await kanban.read(scope);
        const column = state.columns.find((col) => col.id === body.column);
        if (!column) {
          throw badRequest("UNKNOWN_COLUMN", `column: no column '${body.column}' on this board`, {
            field: "column",
            columns: state.columns.map((col) => col.id),
          });
        }
        let record = await tasks.get([scope], body.task_id);
        record = await changeTaskStatus(services, record, column.status, c.get("gatewayConfig").workdirRoots);
        const { lanes } = await board(services, scope);
        const ids = (lanes.find((lane) => lane.column.id === column.id)?.tasks ?? [])
          .map((t) => t.id)
          .filter((id) => id !== record.id);
        ids.splice(Math.min(body.position, ids.length), 0, record.id);
        await kanban.saveOrder(scope, column.id, ids);
      });
      return c.json((await board(services, scope)).view(), 200);
    },
  );
