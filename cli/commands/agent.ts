import type { Command } from "commander";
import type { EditOptions } from "../agent-edit.js";
import type { CreateOptions } from "../agents.js";
import { contextOf } from "../context.js";

const workspaceOption = [
  "-w, --workspace <path>",
  "a workspace (path or registered name): its agents too",
] as const;

/** `viben agent …`: the agents of the global scope and a workspace, over /api/agent. */
export function register(program: Command): void {
  const agent = program
    .command("agent")
    .description("list, show, create, edit, delete agents and set the default");

  agent
    .command("list")
    .description("agents of the global scope and the workspace, with availability")
    .option(...workspaceOption)
    .action(async (options: { workspace?: string }, command: Command) => {
      const { listAgents } = await import("../agents.js");
      await listAgents(contextOf(command), options.workspace);
    });

  agent
    .command("show")
    .description("one agent's configuration")
    .argument("<id>", "the agent's id")
    .option(...workspaceOption)
    .action(async (id: string, options: { workspace?: string }, command: Command) => {
      const { showAgent } = await import("../agents.js");
      await showAgent(contextOf(command), id, options.workspace);
    });

  agent
    .command("create")
    .description("create an agent for an executor CLI")
    .argument("<name>", "the agent's name (its id is derived from it unless --id is given)")
    .option("--id <id>", "the agent's id")
    .option("-e, --executor <executor>", "the executor (CLAUDE_CODE, CODEX, GEMINI, …)", "CLAUDE_CODE")
    .option("--prompt <text>", "text appended to the executor's system prompt")
    .option("--model <model>", "the model the executor uses")
    .option("-w, --workspace <path>", "create it in this workspace instead of the global scope")
    .action(async (name: string, options: CreateOptions, command: Command) => {
      const { createAgent } = await import("../agents.js");
      await createAgent(contextOf(command), name, options);
    });

  agent
    .command("edit")
    .description("change an agent: in $VISUAL/$EDITOR as YAML, or with flags")
    .argument("<id>", "the agent's id")
    .option("--name <name>", "its display name")
    .option("--description <text>", "its description")
    .option("-e, --executor <executor>", "the executor (CLAUDE_CODE, CODEX, GEMINI, …)")
    .option("--model <model>", "the model")
    .option("--prompt <text>", "text appended to the executor's system prompt")
    .option("--system-prompt <text>", "the system prompt")
    .option(...workspaceOption)
    .action(async (id: string, options: EditOptions, command: Command) => {
      const { editAgent } = await import("../agent-edit.js");
      await editAgent(contextOf(command), id, options);
    });

  agent
    .command("delete")
    .description("delete an agent")
    .argument("<id>", "the agent's id")
    .option(...workspaceOption)
    .action(async (id: string, options: { workspace?: string }, command: Command) => {
      const { deleteAgent } = await import("../agents.js");
      await deleteAgent(contextOf(command), id, options.workspace);
    });

  agent
    .command("default")
    .description("show the default agent, or set it when an id is given")
    .argument("[id]", "the agent to make the default")
    .option(...workspaceOption)
    .action(async (id: string | undefined, options: { workspace?: string }, command: Command) => {
      const { defaultAgent } = await import("../agents.js");
      await defaultAgent(contextOf(command), id, options.workspace);
    });

  program
    .command("executors")
    .description("the coding-agent CLIs the gateway found, installed and signed in or not")
    .option(...workspaceOption)
    .action(async (options: { workspace?: string }, command: Command) => {
      const { listExecutors } = await import("../agents.js");
      await listExecutors(contextOf(command), options.workspace);
    });

  program
    .command("models")
    .description("models of the configured providers")
    .action(async (_options, command: Command) => {
      const { listModels } = await import("../agents.js");
      await listModels(contextOf(command));
    });

  program
    .command("sessions")
    .description("recent sessions across agents, newest first")
    .option("-a, --agent <id>", "only this agent's")
    .option("-n, --limit <n>", "how many", "20")
    .action(async (options: { agent?: string; limit: string }, command: Command) => {
      const { listSessions } = await import("../agents.js");
      await listSessions(contextOf(command), options);
    });
}
