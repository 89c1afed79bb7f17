import { z } from "zod";
import { defineTool } from "./native-tool.js";
import { runShellCommand } from "./shell-command.js";

/** What the model sees of a command's output (stdout and stderr together). */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** The model may ask for a longer timeout than the default, up to this. */
const MAX_TIMEOUT_MS = 10 * 60_000;

export const runShellTool = defineTool({
  name: "run_shell",
  description:
    "Run a bash command in the working directory and return its combined stdout and stderr (long output " +
    "is cut in the middle) and exit code. The command is killed when it runs longer than its timeout; " +
    "anything it leaves running in the background is killed when it exits.",
  schema: z.object({
    command: z.string().min(1).describe("The bash command line"),
    timeout_ms: z.number().int().positive().optional().describe("Timeout in milliseconds"),
  }),
  async execute({ command, timeout_ms }, context) {
    const timeoutMs = Math.min(
      timeout_ms ?? context.shellTimeoutMs,
      Math.max(context.shellTimeoutMs, MAX_TIMEOUT_MS),
    );
    const result = await runShellCommand({
      command,
      cwd: context.workdir,
      env: context.env,
      family: context.family,
      timeoutMs,
      signal: context.signal,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
    switch (result.ended) {
      case "spawn_error":
        return { isError: true, text: `could not start bash: ${result.spawnError}` };
      case "timeout":
        return { isError: true, text: `${result.output}\n[killed: timed out after ${timeoutMs} ms]` };
      case "stopped":
        return { isError: true, text: `${result.output}\n[killed: the run was stopped]` };
      default:
        return {
          isError: result.exitCode !== 0,
          text: `${result.output}${result.output.endsWith("\n") || result.output === "" ? "" : "\n"}[exit code ${result.exitCode}]`,
        };
    }
  },
});
