import { type ToolSet, tool } from "ai";
import type { NativeTool } from "./native-tool.js";

/** Tools as the SDK declares them to the model: schema and description only, no `execute` (the run executes). */
export function toToolSet(tools: readonly NativeTool[]): ToolSet {
  return Object.fromEntries(
    tools.map((t) => [t.name, tool({ description: t.description, inputSchema: t.inputSchema })]),
  );
}
