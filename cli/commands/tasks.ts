import type { Command } from "commander";
import { contextOf } from "../context.js";
import type { TaskAddOptions } from "../tasks.js";

const workspaceOption = [
  "-w, --workspace <path>",
  "the workspace's tasks (default: the global ones)",
] as const;

/** `viben tasks …`: tasks on the kanban board. */
export function register(program: Command): void {
  const tasks = program.command("tasks").description("tasks on the kanban board: list, add, move, start");

  tasks
    .command("list", { isDefault: true })
    .description("every task by board column")
    .option(...workspaceOption)
    .action(async (options: { workspace?: string }, command: Command) => {
      const { listTasks } = await import("../tasks.js");
      await listTasks(contextOf(command), options.workspace);
    });

  tasks
    .command("add")
    .description("add a task to the board's first column")
    .argument("<title>", "what is to be done")
    .option("-a, --agent <id>", "the agent that will work on it")
    .option("-d, --description <text>", "details")
    .option(...workspaceOption)
    .action(async (title: string, options: TaskAddOptions, command: Command) => {
      const { addTask } = await import("../tasks.js");
      await addTask(contextOf(command), title, options);
    });

  tasks
    .command("show")
    .description("a task with its attempts")
    .argument("<id>", "the task's id")
    .option(...workspaceOption)
    .action(async (id: string, options: { workspace?: string }, command: Command) => {
      const { showTask } = await import("../tasks.js");
      await showTask(contextOf(command), id, options.workspace);
    });

  tasks
    .command("move")
    .description("move a task to the end of a column (todo, inprogress, inreview, done, …)")
    .argument("<id>", "the task's id")
    .argument("<column>", "the column's id")
    .option(...workspaceOption)
    .action(async (id: string, column: string, options: { workspace?: string }, command: Command) => {
      const { moveTask } = await import("../tasks.js");
      await moveTask(contextOf(command), id, column, options.workspace);
    });

  tasks
    .command("start")
    .description("run the task's agent on it (through the queue)")
    .argument("<id>", "the task's id")
    .option(...workspaceOption)
    .action(async (id: string, options: { workspace?: string }, command: Command) => {
      const { startTask } = await import("../tasks.js");
      await startTask(contextOf(command), id, options.workspace);
    });

  tasks
    .command("remove")
    .description("delete a task")
    .argument("<id>", "the task's id")
    .option(...workspaceOption)
    .action(async (id: string, options: { workspace?: string }, command: Command) => {
      const { removeTask } = await import("../tasks.js");
      await removeTask(contextOf(command), id, options.workspace);
    });
}
