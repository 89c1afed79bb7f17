import type { Command } from "commander";
import { CliError } from "../errors.js";

export function register(program: Command): void {
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh or fish), generated from the command tree")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nExamples:\n  source <(viben completion bash)      # in ~/.bashrc\n  source <(viben completion zsh)       # in ~/.zshrc\n  viben completion fish | source       # in ~/.config/fish/config.fish",
    )
    .action(async (shell: string) => {
      const { completionScript, isShell } = await import("../completion.js");
      if (!isShell(shell)) throw new CliError(`unknown shell '${shell}': choose bash, zsh or fish`);
      process.stdout.write(completionScript(program, shell));
    });
}
