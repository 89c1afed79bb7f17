import { describe, expect, it } from "vitest";
import { queueApp } from "../../fixtures/queue-harness.js";
import { json, jsonRequest, PROJECT } from "../../helpers/app.js";

type Json = Record<string, unknown>;
type Column = { id: string; name: string; status: string; tasks: Json[] };

async function setup() {
  const ctx = await queueApp();
  const send = async (method: string, path: string, body?: Json) => {
    const res = await ctx.app.request(path, body === undefined ? { method } : jsonRequest(method, body));
    return { status: res.status, body: await json(res) };
  };
  await send("POST", "/api/agent", { name: "Coder", executor_type: "CLAUDE_CODE" });
  for (const id of ["t1", "t2", "t3"]) {
    expect((await send("POST", "/api/tasks", { id, title: `Task ${id}`, agent_id: "coder" })).status).toBe(
      201,
    );
  }
  /** Column id → its task ids, in board order. */
  const cards = async (query = "") => {
    const { body } = await send("GET", `/api/kanban${query}`);
    return Object.fromEntries((body.columns as Column[]).map((c) => [c.id, c.tasks.map((t) => t.id)]));
  };
  const move = (task_id: string, column: string, position: number, extra: Json = {}) =>
    send("POST", "/api/kanban/move", { task_id, column, position, ...extra });
  return { ...ctx, send, cards, move };
}

describe("/api/kanban", () => {
  it("shows the five status columns by default with tasks in creation order", async () => {
    const { send, cards } = await setup();
    const { body } = await send("GET", "/api/kanban");
    expect(body.workspace_path).toBe("/home/tester");
    expect((body.columns as Column[]).map((c) => [c.id, c.name, c.status])).toEqual([
      ["todo", "To Do", "todo"],
      ["inprogress", "In Progress", "inprogress"],
      ["inreview", "In Review", "inreview"],
      ["done", "Done", "done"],
      ["cancelled", "Cancelled", "cancelled"],
    ]);
    expect((body.columns as Column[])[0]?.tasks[0]).toMatchObject({
      id: "t1",
      title: "Task t1",
      status: "todo",
    });
    expect(await cards()).toMatchObject({ todo: ["t1", "t2", "t3"], done: [] });
  });

  it("reorders within a column and moves across columns, updating the task's status", async () => {
    const { move, cards, send, scopes } = await setup();
    expect((await move("t3", "todo", 0)).status).toBe(200);
    expect((await cards()).todo).toEqual(["t3", "t1", "t2"]);
    await move("t1", "todo", 99);
    expect((await cards()).todo).toEqual(["t3", "t2", "t1"]);
    expect(await scopes.global().store.readRaw("kanban.yaml")).toMatch(/order:/);

    const moved = await move("t2", "done", 0);
    expect(moved.status).toBe(200);
    expect((await send("GET", "/api/tasks/t2")).body.status).toBe("done");
    expect(await cards()).toMatchObject({ todo: ["t3", "t1"], done: ["t2"] });

    // A status change made elsewhere puts the card at the end of its new column.
    await send("PATCH", "/api/tasks/t3", { status: "done" });
    expect(await cards()).toMatchObject({ todo: ["t1"], done: ["t2", "t3"] });
    await move("t3", "done", 0);
    expect((await cards()).done).toEqual(["t3", "t2"]);
  });

  it("refuses illegal moves (409), unknown columns (400) and unknown tasks (404) without changing the board", async () => {
    const { move, cards } = await setup();
    await move("t2", "todo", 0);
    const before = await cards();
    const illegal = await move("t1", "inreview", 0);
    expect(illegal).toMatchObject({ status: 409, body: { code: "ILLEGAL_TRANSITION" } });
    expect((await move("t1", "backlog", 0)).body).toMatchObject({
      code: "UNKNOWN_COLUMN",
      details: { field: "column" },
    });
    expect((await move("ghost", "todo", 0)).status).toBe(404);
    expect((await move("t1", "todo", -1)).status).toBe(400);
    expect(await cards()).toEqual(before);
  });

  it("starts a task dropped into In Progress, and the board follows its run", async () => {
    const { move, cards, runs, settle } = await setup();
    const started = await move("t1", "inprogress", 0);
    expect(started.status).toBe(200);
    expect(await cards()).toMatchObject({ todo: ["t2", "t3"], inprogress: ["t1"] });
    await settle();
    expect(runs.prompts).toEqual(["Task t1"]);
    runs.runs[0]!.finish();
    await settle();
    expect(await cards()).toMatchObject({ inprogress: [], inreview: ["t1"] });
  });

  it("renames, reorders and adds columns; several columns may share a status", async () => {
    const { send, move, cards } = await setup();
    const columns = [
      { id: "next", name: "Next up", status: "todo" },
      { id: "todo", name: "Backlog", status: "todo" },
      { id: "done", name: "Shipped", status: "done" },
      { id: "inprogress", name: "Doing", status: "inprogress" },
      { id: "inreview", name: "Review", status: "inreview" },
      { id: "cancelled", name: "Dropped", status: "cancelled" },
    ];
    const saved = await send("PUT", "/api/kanban/columns", { columns });
    expect(saved.status).toBe(200);
    expect((saved.body.columns as Column[]).map((c) => c.name)).toEqual([
      "Next up",
      "Backlog",
      "Shipped",
      "Doing",
      "Review",
      "Dropped",
    ]);
    // New tasks land in the first column of their status.
    expect(await cards()).toMatchObject({ next: ["t1", "t2", "t3"], todo: [] });
    await move("t2", "todo", 0);
    expect(await cards()).toMatchObject({ next: ["t1", "t3"], todo: ["t2"] });
    expect((await send("GET", "/api/tasks/t2")).body.status).toBe("todo");

    const missing = await send("PUT", "/api/kanban/columns", { columns: columns.slice(0, 3) });
    expect(missing).toMatchObject({ status: 400 });
    expect(missing.body.error).toMatch(/inprogress/);
    const duplicate = await send("PUT", "/api/kanban/columns", { columns: [...columns, columns[0]] });
    expect(duplicate.body.error).toMatch(/duplicate/);
    expect(
      (await send("PUT", "/api/kanban/columns", { columns: [{ id: "x", name: "", status: "todo" }] })).status,
    ).toBe(400);
  });

  it("keeps one board per workspace in <workspace>/.viben/kanban.yaml", async () => {
    const { send, move, cards, scopes } = await setup();
    await send("POST", "/api/tasks", { id: "w1", title: "Here", workspace_path: PROJECT });
    await send("POST", "/api/tasks", { id: "w2", title: "There", workspace_path: PROJECT });
    expect((await move("w2", "todo", 0, { workspace_path: PROJECT })).status).toBe(200);
    expect((await cards(`?workspace_path=${PROJECT}`)).todo).toEqual(["w2", "w1"]);
    expect(await scopes.workspace(PROJECT).store.readRaw("kanban.yaml")).toMatch(/w2/);
    // The home board does not show the workspace's tasks, nor the workspace's board the global ones.
    expect((await cards()).todo).toEqual(["t1", "t2", "t3"]);
    expect((await move("t1", "todo", 0, { workspace_path: PROJECT })).status).toBe(404);
  });
});
