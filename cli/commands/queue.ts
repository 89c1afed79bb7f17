import type { Command } from "commander";
import { contextOf } from "../context.js";
import type { QueueOptions } from "../queue.js";

/** `viben queue`: the durable run queue by lane, and cancelling a job. */
export function register(program: Command): void {
  const queue = program.command("queue").description("the run queue: lanes and jobs");

  queue
    .command("list", { isDefault: true })
    .description("lanes (running, queued, limit) and the waiting and running jobs")
    .option("--status <list>", "job statuses, comma separated", "queued,running")
    .option("-a, --agent <id>", "only this agent's jobs")
    .option("-n, --limit <n>", "how many jobs per status", "50")
    .action(async (options: QueueOptions, command: Command) => {
      const { showQueue } = await import("../queue.js");
      await showQueue(contextOf(command), options);
    });

  queue
    .command("cancel")
    .description("cancel a queued job, or stop a running one")
    .argument("<id>", "the job's id")
    .action(async (id: string, _options, command: Command) => {
      const { cancelQueueJob } = await import("../queue.js");
      await cancelQueueJob(contextOf(command), id);
    });
}
