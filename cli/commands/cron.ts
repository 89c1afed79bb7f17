import type { Command } from "commander";
import { contextOf } from "../context.js";
import type { CronAddOptions } from "../cron.js";

/** `viben cron …`: scheduled runs over /api/cron. */
export function register(program: Command): void {
  const cron = program.command("cron").description("scheduled runs: list, add, pause, resume, run now");

  cron
    .command("list", { isDefault: true })
    .description("every cron job with its state and next run")
    .action(async (_options, command: Command) => {
      const { listCron } = await import("../cron.js");
      await listCron(contextOf(command));
    });

  cron
    .command("add")
    .description("schedule a message to an agent; prints the next runs")
    .argument("<name>", "the job's name")
    .option("--schedule <expression>", "a cron expression ('0 9 * * 1-5'), or 'at <ISO time>' for once")
    .option("--every <interval>", "an interval instead: 30s, 5m, 1h, 1d")
    .requiredOption("-a, --agent <id>", "the agent that runs it")
    .requiredOption("-m, --message <text>", "what the agent is told")
    .option("--tz <timezone>", "an IANA timezone (default: the gateway's)")
    .option("-w, --workspace <path>", "the workspace the agent belongs to")
    .option("-C, --cwd <dir>", "the run's working directory")
    .action(async (name: string, options: CronAddOptions, command: Command) => {
      const { addCron } = await import("../cron.js");
      await addCron(contextOf(command), name, options);
    });

  for (const action of ["pause", "resume"] as const) {
    cron
      .command(action)
      .description(action === "pause" ? "stop a job firing until resumed" : "let a paused job fire again")
      .argument("<id>", "the job's id")
      .action(async (id: string, _options, command: Command) => {
        const { setCronState } = await import("../cron.js");
        await setCronState(contextOf(command), id, action);
      });
  }

  cron
    .command("run")
    .description("run a job now, outside its schedule")
    .argument("<id>", "the job's id")
    .action(async (id: string, _options, command: Command) => {
      const { runCronNow } = await import("../cron.js");
      await runCronNow(contextOf(command), id);
    });

  cron
    .command("runs")
    .description("a job's past runs, newest first")
    .argument("<id>", "the job's id")
    .option("-n, --limit <n>", "how many", "20")
    .action(async (id: string, options: { limit: string }, command: Command) => {
      const { listCronRuns } = await import("../cron.js");
      await listCronRuns(contextOf(command), id, options.limit);
    });

  cron
    .command("remove")
    .description("delete a job")
    .argument("<id>", "the job's id")
    .action(async (id: string, _options, command: Command) => {
      const { removeCron } = await import("../cron.js");
      await removeCron(contextOf(command), id);
    });
}
