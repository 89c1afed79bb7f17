import type { FlexibleSchema } from "ai";
import type { z } from "zod";
import type { ProcessFamily } from "../../runs/process-cookie.js";

/** What a tool call produced, as sent back to the model and shown in `tool_end`. */
export interface ToolOutcome {
  text: string;
  isError: boolean;
}

/** What a tool may use while it runs: everything is scoped to one run. */
export interface ToolContext {
  /** The run's working directory (absolute): file tools never reach outside it. */
  workdir: string;
  /** Aborted when the run is stopped: tools end promptly (and kill what they started). */
  signal: AbortSignal;
  /** Default and ceiling source for `run_shell`. */
  shellTimeoutMs: number;
  /** Environment of commands started by `run_shell`. */
  env: Readonly<Record<string, string | undefined>>;
  /** The run's processes: each shell command is started as a member, so nothing it detaches is lost. */
  family?: ProcessFamily;
}

/** A tool the model can call: built-in or an MCP server's. */
export interface NativeTool {
  name: string;
  description: string;
  /** Given to the SDK, which describes it to the model and validates the model's input against it. */
  inputSchema: FlexibleSchema<unknown>;
  /** Never throws: failures become an outcome with isError, so one bad call cannot end the run. */
  execute(input: unknown, context: ToolContext): Promise<ToolOutcome>;
}

/** A built-in tool from a zod schema: input parsed before `execute`, thrown errors turned into outcomes. */
export function defineTool<S extends z.ZodType>(spec: {
  name: string;
  description: string;
  schema: S;
  execute(input: z.output<S>, context: ToolContext): Promise<ToolOutcome | string>;
}): NativeTool {
  return {
    name: spec.name,
    description: spec.description,
    inputSchema: spec.schema as FlexibleSchema<unknown>,
    async execute(input, context) {
      const parsed = spec.schema.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          isError: true,
          text: `invalid input: ${issue?.path.join(".") || "input"}: ${issue?.message}`,
        };
      }
      try {
        const outcome = await spec.execute(parsed.data, context);
        return typeof outcome === "string" ? { text: outcome, isError: false } : outcome;
      } catch (error) {
        return { isError: true, text: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
