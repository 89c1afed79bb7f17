import type { LanguageModel, ModelMessage, ToolResultPart } from "ai";
import type { AgentOutput } from "../executors/adapter.js";
import { callModel, type ModelCallResult, type RequestedToolCall } from "./model-call.js";
import type { NativeTool, ToolContext, ToolOutcome } from "./tools/native-tool.js";
import { toToolSet } from "./tools/tool-set.js";

export interface ConversationInput {
  model: LanguageModel;
  system?: string;
  /** The conversation so far, ending with the user's new prompt. */
  messages: ModelMessage[];
  tools: readonly NativeTool[];
  toolContext: ToolContext;
  /** Model calls allowed in this run. */
  maxTurns: number;
  temperature?: number;
  maxOutputTokens?: number;
  maxRetries: number;
  idleTimeoutMs: number;
  signal: AbortSignal;
  onOutput: (output: AgentOutput) => void;
  /** Every finished provider call, failed or not, before its tools run. */
  onCall: (call: ModelCallResult) => void;
  /** Guardian hints waiting for the run, added as user messages before each later model call. */
  takeHints?: () => string[];
}

export type ConversationEnd =
  | { kind: "answered"; text: string }
  | { kind: "max_turns"; text: string; turns: number }
  | { kind: "failed"; error: string }
  | { kind: "stopped" };

/**
 * The tool loop: call the model; if it asked for tools, run them one after another (each announced by
 * tool_start and tool_end), send the results back, and call it again, until it answers without tools, a
 * call fails, the run is stopped, or `maxTurns` calls were made.
 */
export async function runConversation(input: ConversationInput): Promise<ConversationEnd> {
  const messages = [...input.messages];
  const tools = toToolSet(input.tools);
  const byName = new Map(input.tools.map((tool) => [tool.name, tool]));
  for (let turn = 1; ; turn++) {
    if (turn > 1)
      for (const hint of input.takeHints?.() ?? []) messages.push({ role: "user", content: hint });
    const call = await callModel({
      model: input.model,
      system: input.system,
      messages,
      tools,
      temperature: input.temperature,
      maxOutputTokens: input.maxOutputTokens,
      maxRetries: input.maxRetries,
      signal: input.signal,
      idleTimeoutMs: input.idleTimeoutMs,
      onText: (text) => input.onOutput({ kind: "delta", text }),
    });
    input.onCall(call);
    if (call.stopped) return { kind: "stopped" };
    if (call.error !== undefined) return { kind: "failed", error: call.error };
    messages.push(...call.assistantMessages);
    if (call.toolCalls.length === 0) {
      input.onOutput({ kind: "turn_complete" });
      return { kind: "answered", text: call.text };
    }

    const results: ToolResultPart[] = [];
    for (const request of call.toolCalls) {
      if (input.signal.aborted) return { kind: "stopped" };
      const outcome = await runTool(request, byName, input);
      results.push({
        type: "tool-result",
        toolCallId: request.toolCallId,
        toolName: request.toolName,
        output: { type: outcome.isError ? "error-text" : "text", value: outcome.text },
      });
    }
    messages.push({ role: "tool", content: results });
    input.onOutput({ kind: "turn_complete" });
    if (input.signal.aborted) return { kind: "stopped" };
    if (turn >= input.maxTurns) return { kind: "max_turns", text: call.text, turns: turn };
  }
}

async function runTool(
  request: RequestedToolCall,
  byName: ReadonlyMap<string, NativeTool>,
  input: ConversationInput,
): Promise<ToolOutcome> {
  const { toolCallId, toolName } = request;
  input.onOutput({ kind: "tool_start", toolUseId: toolCallId, tool: toolName, input: request.input });
  const tool = byName.get(toolName);
  let outcome: ToolOutcome;
  if (request.invalid !== undefined) outcome = { isError: true, text: request.invalid };
  else if (!tool) outcome = { isError: true, text: `unknown tool '${toolName}'` };
  else outcome = await tool.execute(request.input, input.toolContext);
  input.onOutput({
    kind: "tool_end",
    toolUseId: toolCallId,
    tool: toolName,
    result: outcome.text,
    isError: outcome.isError,
  });
  return outcome;
}
