import type { Command } from "commander";
import { contextOf } from "../context.js";
import type { HistoryOptions } from "../history.js";

/** `viben history`: what agents ran, newest first. */
export function register(program: Command): void {
  program
    .command("history")
    .description("the run history of an agent, or of every agent, newest first")
    .argument("[agent]", "only this agent's runs")
    .option("-n, --limit <n>", "how many", "20")
    .option("-s, --search <text>", "only runs whose prompt or answer contains this")
    .option("-w, --workspace <path>", "with every agent: include this workspace's agents")
    .action(async (agent: string | undefined, options: HistoryOptions, command: Command) => {
      const { showHistory } = await import("../history.js");
      await showHistory(contextOf(command), agent, options);
    });
}
