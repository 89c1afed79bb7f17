import type { Command } from "commander";
import { contextOf } from "../context.js";
import { CliError } from "../errors.js";

/**
 * `viben config init|check`: gateway.yaml on this machine. Both work without a gateway (a broken file may
 * be why none runs), so they read the file directly and validate it with the gateway's own schema.
 */
export function register(program: Command): void {
  const config = program.command("config").description("Write or check ~/.viben/gateway.yaml");

  config
    .command("init")
    .description("Write a commented gateway.yaml listing every setting with its default")
    .option("--force", "overwrite an existing gateway.yaml")
    .option("--stdout", "print it instead of writing the file")
    .action(async (options, command: Command) => {
      const context = contextOf(command);
      const { writeConfigTemplate } = await import("../config/init.js");
      const result = await writeConfigTemplate(options);
      if (result.printed) return;
      context.out.result(result, () => context.out.line(`Wrote ${result.path}`));
    });

  config
    .command("check")
    .description("Validate gateway.yaml: every problem with its line")
    .action(async (_options, command: Command) => {
      const context = contextOf(command);
      const { checkGatewayYaml, formatProblem } = await import("../config/check.js");
      const { dataDir } = await import("../gateway/local.js");
      const check = await checkGatewayYaml(dataDir());
      const { out } = context;
      out.result(check, () => {
        if (!check.exists)
          out.line(
            `${check.path} does not exist: every setting has its default (viben config init writes one)`,
          );
        for (const problem of check.problems) out.line(formatProblem(problem, check.path));
        if (check.exists && check.ok) out.line(`${out.colors.green("✔")} ${check.path} is valid`);
      });
      if (!check.ok) throw new CliError(`${check.path} is not valid`, 1);
    });
}
