import type { AssistantContent, ModelMessage, ToolCallPart, ToolResultPart } from "ai";
import type { SessionMessage } from "../../storage/sessions.js";

/** Sent for a tool call whose result was never recorded (a run stopped mid-tool). */
const MISSING_RESULT = "(no result was recorded for this tool call)";

interface Exchange {
  assistant: Exclude<AssistantContent, string>;
  calls: ToolCallPart[];
  results: Map<string, ToolResultPart>;
}

/**
 * A session's stored messages as SDK messages, in the shape every provider accepts: consecutive assistant
 * messages merged, each assistant tool call followed by exactly one result (a placeholder when none was
 * recorded), results without a matching call dropped, system messages and malformed entries skipped.
 * Stored messages may come from a hand-edited file or another executor, so nothing is trusted.
 */
export function historyToModelMessages(history: readonly SessionMessage[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  let exchange: Exchange | undefined;

  const flush = () => {
    if (!exchange) return;
    if (exchange.assistant.length > 0) out.push({ role: "assistant", content: exchange.assistant });
    if (exchange.calls.length > 0) {
      out.push({
        role: "tool",
        content: exchange.calls.map(
          (call) =>
            exchange?.results.get(call.toolCallId) ?? {
              type: "tool-result",
              toolCallId: call.toolCallId,
              toolName: call.toolName,
              output: { type: "error-text", value: MISSING_RESULT },
            },
        ),
      });
    }
    exchange = undefined;
  };

  for (const message of history) {
    if (typeof message !== "object" || message === null || typeof message.content !== "string") continue;
    if (message.role === "user") {
      flush();
      if (message.content.trim() !== "") out.push({ role: "user", content: message.content });
    } else if (message.role === "assistant") {
      // An assistant message after tool results starts the next exchange.
      if (exchange && exchange.results.size > 0) flush();
      exchange ??= { assistant: [], calls: [], results: new Map() };
      if (message.content.trim() !== "") exchange.assistant.push({ type: "text", text: message.content });
      for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
        const part = toolCallPart(call, exchange);
        if (!part) continue;
        exchange.assistant.push(part);
        exchange.calls.push(part);
      }
    } else if (message.role === "tool" && exchange) {
      const call = exchange.calls.find((candidate) => candidate.toolCallId === message.tool_use_id);
      if (!call || exchange.results.has(call.toolCallId)) continue;
      exchange.results.set(call.toolCallId, {
        type: "tool-result",
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output: { type: message.is_error === true ? "error-text" : "text", value: message.content },
      });
    }
  }
  flush();
  return out;
}

function toolCallPart(call: unknown, exchange: Exchange): ToolCallPart | undefined {
  if (typeof call !== "object" || call === null) return undefined;
  const { id, name, input } = call as { id?: unknown; name?: unknown; input?: unknown };
  // Without an id a result cannot be matched to it (some executors record none).
  if (typeof id !== "string" || id === "" || typeof name !== "string" || name === "") return undefined;
  if (exchange.calls.some((existing) => existing.toolCallId === id)) return undefined;
  // Providers want an object as tool input.
  const objectInput =
    typeof input === "object" && input !== null && !Array.isArray(input)
      ? input
      : input === undefined
        ? {}
        : { input };
  return { type: "tool-call", toolCallId: id, toolName: name, input: objectInput };
}
