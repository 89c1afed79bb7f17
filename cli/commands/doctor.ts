import type { Command } from "commander";
import { contextOf } from "../context.js";

export function register(program: Command): void {
  program
    .command("doctor")
    .description(
      "Check Node, the data folder, the gateway, executors, providers, gateway.yaml and edge publishing; exits 1 when something is wrong",
    )
    .addHelpText(
      "after",
      "\nWith a gateway answering (at --url, or the one holding ~/.viben), executors and providers are checked\nthrough its API. Without one, executors are looked for on PATH (installation only) and gateway.yaml is\nvalidated locally with the gateway's own schema.",
    )
    .action(async (_options, command: Command) => {
      const context = contextOf(command);
      const { runDoctor } = await import("../doctor.js");
      const { startSpinner } = await import("../spinner.js");
      const spinner = startSpinner("Checking…", { enabled: !context.json });
      const checks = await runDoctor(context, command, spinner).finally(() => spinner.stop());
      const failed = checks.some((check) => check.status === "fail");
      const { out } = context;
      const c = out.colors;
      const marks = { ok: c.green("✔"), warn: c.yellow("!"), fail: c.red("✖"), info: c.cyan("i") };
      out.result({ ok: !failed, checks }, () => {
        let area = "";
        for (const check of checks) {
          if (check.area !== area) {
            area = check.area;
            out.line(c.bold(area));
          }
          out.line(`  ${marks[check.status]} ${check.name}: ${check.detail}`);
          if (check.fix && check.status !== "ok") out.line(c.dim(`      fix: ${check.fix}`));
        }
        out.line(failed ? c.red("Something is wrong (see ✖ above).") : c.green("No problems found."));
      });
      if (failed) process.exitCode = 1;
    });
}
