import type { SessionMessage } from "./session-schemas.js";

export interface UiToolCall {
  id: string;
  name: string;
  input: unknown;
  /** The tool message's content; null while no result was recorded. */
  result: string | null;
  is_error: boolean;
}

export interface UiMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  timestamp: string;
  /** Present on assistant messages only. */
  tool_calls?: UiToolCall[];
}

/**
 * Folds a session's messages into user and assistant turns for rendering: each tool message becomes the
 * result of the tool call it answers (matched by tool_use_id), system messages are left out. A tool result
 * with no matching call joins the preceding assistant message (or a new empty one), so nothing is lost.
 */
export function toUiMessages(messages: readonly SessionMessage[]): UiMessage[] {
  const out: UiMessage[] = [];
  const calls = new Map<string, UiToolCall>();
  for (const message of messages) {
    if (message.role === "user") {
      out.push({ id: message.id, role: "user", content: message.content, timestamp: message.timestamp });
    } else if (message.role === "assistant") {
      const toolCalls = (message.tool_calls ?? []).map((call) => {
        const ui: UiToolCall = {
          id: call.id,
          name: call.name,
          input: call.input,
          result: null,
          is_error: false,
        };
        calls.set(call.id, ui);
        return ui;
      });
      out.push({
        id: message.id,
        role: "assistant",
        content: message.content,
        timestamp: message.timestamp,
        tool_calls: toolCalls,
      });
    } else if (message.role === "tool") {
      const call = message.tool_use_id === undefined ? undefined : calls.get(message.tool_use_id);
      if (call) {
        call.result = message.content;
        call.is_error = message.is_error ?? false;
        if (message.tool_name && !call.name) call.name = message.tool_name;
        continue;
      }
      let owner = out.at(-1);
      if (owner?.role !== "assistant") {
        owner = {
          id: message.id,
          role: "assistant",
          content: "",
          timestamp: message.timestamp,
          tool_calls: [],
        };
        out.push(owner);
      }
      owner.tool_calls!.push({
        id: message.tool_use_id ?? message.id,
        name: message.tool_name ?? "",
        input: null,
        result: message.content,
        is_error: message.is_error ?? false,
      });
    }
  }
  return out;
}
