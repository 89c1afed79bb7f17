import type { Command } from "commander";
import { contextOf } from "../context.js";

/** `viben chat` (a conversation, or one message) and `viben run` (for scripts). */
export function register(program: Command): void {
  program
    .command("chat")
    .description("talk to an agent: the answer streams as it arrives; Ctrl-C stops the run, not the gateway")
    .argument("[agent]", "the agent (default: the gateway's default agent)")
    .argument("[message...]", "one message to send; without it, an interactive conversation")
    .option("-C, --cwd <dir>", "the run's working directory (default: the agent's)")
    .option("-s, --session <id>", "continue this session")
    .action(async (agent: string | undefined, words: string[], options: ChatOptions, command: Command) => {
      const context = contextOf(command);
      const { chatLoop, runTurn, askAtTerminal, exitCodeOf } = await import("../chat.js");
      if (words.length === 0) return chatLoop(context, agent, options.cwd);
      const { createInterface } = await import("node:readline/promises");
      let rl: ReturnType<typeof createInterface> | undefined;
      const outcome = await runTurn(context, {
        agent,
        message: words.join(" "),
        sessionId: options.session,
        cwd: options.cwd,
        live: true,
        decide: askAtTerminal(() => {
          rl ??= createInterface({ input: process.stdin, output: process.stdout });
          return rl;
        }, context),
      }).finally(() => rl?.close());
      process.exitCode = exitCodeOf(outcome.status);
    });

  program
    .command("run")
    .description(
      "run an agent once for a script: prints the answer (or --json); the exit code is the run's outcome",
    )
    .argument("<agent>", "the agent")
    .argument("<message...>", "the message")
    .option("-C, --cwd <dir>", "the run's working directory")
    .option("-s, --session <id>", "continue this session")
    .option("-y, --yes", "approve every tool use the agent asks for (refused otherwise)")
    .addHelpText("after", "\nExit codes: 0 completed, 1 failed or timed out, 130 stopped.")
    .action(
      async (agent: string, words: string[], options: ChatOptions & { yes?: boolean }, command: Command) => {
        const context = contextOf(command);
        const { runTurn, exitCodeOf } = await import("../chat.js");
        const outcome = await runTurn(context, {
          agent,
          message: words.join(" "),
          sessionId: options.session,
          cwd: options.cwd,
          live: !context.json,
          decide: async () => options.yes === true,
        });
        if (context.json) context.out.printJson(outcome);
        process.exitCode = exitCodeOf(outcome.status);
      },
    );
}

interface ChatOptions {
  cwd?: string;
  session?: string;
}
