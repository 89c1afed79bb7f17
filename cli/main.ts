import { Command, Option } from "commander";
import pkg from "../package.json" with { type: "json" };
import { register as registerAgent } from "./commands/agent.js";
import { register as registerChat } from "./commands/chat.js";
import { register as registerCompletion } from "./commands/completion.js";
import { register as registerConfig } from "./commands/config.js";
import { register as registerCron } from "./commands/cron.js";
import { register as registerDoctor } from "./commands/doctor.js";
import { register as registerGateway } from "./commands/gateway.js";
import { register as registerHistory } from "./commands/history.js";
import { register as registerQueue } from "./commands/queue.js";
import { register as registerTasks } from "./commands/tasks.js";
import { DEFAULT_URL } from "./context.js";
import { CliError } from "./errors.js";
import { colorsFor } from "./output.js";

/**
 * The `viben` command. Each command group registers itself from cli/commands/<group>.ts; what an action
 * does is imported when it runs, so `viben --help` or a completion loads only the command tree.
 */
export function createProgram(): Command {
  const program = new Command("viben")
    .description("Viben Gateway from a terminal: run the gateway, talk to agents, check the setup")
    .version(pkg.version, "-V, --version", "print the version")
    .addOption(
      new Option("--url <url>", "the gateway's URL (the API key comes from VIBEN_API_KEY)")
        .env("VIBEN_URL")
        .default(DEFAULT_URL),
    )
    .option("--json", "print JSON instead of text (for scripts)")
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ outputError: (text, write) => write(colorsFor(process.stderr).red(text)) });
  registerGateway(program);
  registerAgent(program);
  registerChat(program);
  registerHistory(program);
  registerCron(program);
  registerQueue(program);
  registerTasks(program);
  registerDoctor(program);
  registerConfig(program);
  registerCompletion(program);
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    const colors = colorsFor(process.stderr);
    if (error instanceof CliError) {
      process.stderr.write(`${colors.red(`viben: ${error.message}`)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(
      `${colors.red(`viben: ${process.env.VIBEN_DEBUG ? ((error as Error).stack ?? String(error)) : (error as Error).message}`)}\n`,
    );
    process.exitCode = 1;
  }
}
