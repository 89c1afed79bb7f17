import { z } from "zod";
import type { DelegationRecord } from "../../handlers/capabilities/delegation.js";
import { defineTool, type NativeTool } from "../native/tools/native-tool.js";

/** What the model passes to `delegate` (the MCP tool and the native tool take the same input). */
export const DelegateToolShape = {
  agent: z.string().min(1).describe("Id of the agent that should do the sub-task"),
  task: z.string().min(1).describe("The sub-task, written so the other agent can do it without more context"),
  inherit_context: z
    .boolean()
    .optional()
    .describe("Also show the other agent this conversation's recent messages"),
};
export const DelegateToolSchema = z.object(DelegateToolShape);
export type DelegateToolInput = z.infer<typeof DelegateToolSchema>;

export const DELEGATE_TOOL_DESCRIPTION =
  "Hand a sub-task to another agent of this gateway and wait for its answer, which is returned as this tool's result.";

/** The answer a model reads: the other agent's reply, or why it failed. */
export function delegationText(record: DelegationRecord): { text: string; isError: boolean } {
  if (record.status === "completed") return { text: record.reply, isError: false };
  const reply = record.reply ? `\n${record.reply}` : "";
  return {
    text: `agent '${record.agent_id}' ${record.status}: ${record.error ?? "no answer"}${reply}`,
    isError: true,
  };
}

/** `delegate` for native runs; refusals (depth, budget, unknown agent) come back as error outcomes. */
export function delegateTool(delegate: (input: DelegateToolInput) => Promise<DelegationRecord>): NativeTool {
  return defineTool({
    name: "delegate",
    description: DELEGATE_TOOL_DESCRIPTION,
    schema: DelegateToolSchema,
    execute: async (input) => delegationText(await delegate(input)),
  });
}
