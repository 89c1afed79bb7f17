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

/** One block of the original Viben's UI messages: a user prompt, assistant text, a tool call or its result. */
export interface UiBlock {
  id: string;
  timestamp: string;
  type: "user" | "text" | "tool_use" | "tool_result" | "thinking" | "error";
  content?: string;
  tool_use_id?: string;
  tool_name?: string;
  tool_input?: unknown;
  tool_output?: string;
  is_error?: boolean;
}

/**
 * The conversation as the original Viben's typed blocks, in order: each message becomes one block per
 * part (an assistant message with text and a tool call gives a `text` then a `tool_use` block). System
 * messages show only when they report an error. Block ids are the message id, suffixed per part.
 */
export function toUiBlocks(messages: readonly SessionMessage[]): UiBlock[] {
  const blocks: UiBlock[] = [];
  const names = new Map<string, string>();
  for (const message of messages) {
    const base = { id: message.id, timestamp: message.timestamp };
    if (message.role === "user") {
      blocks.push({ ...base, type: "user", content: message.content });
    } else if (message.role === "assistant") {
      const thinking = typeof message.thinking === "string" ? message.thinking : "";
      if (thinking)
        blocks.push({ ...base, id: `${message.id}:thinking`, type: "thinking", content: thinking });
      if (message.content) blocks.push({ ...base, type: "text", content: message.content });
      (message.tool_calls ?? []).forEach((call, i) => {
        if (call.id) names.set(call.id, call.name);
        blocks.push({
          ...base,
          id: `${message.id}:tool_use:${i}`,
          type: "tool_use",
          tool_use_id: call.id,
          tool_name: call.name,
          tool_input: call.input,
        });
      });
    } else if (message.role === "tool") {
      blocks.push({
        ...base,
        type: "tool_result",
        tool_use_id: message.tool_use_id,
        tool_name: message.tool_name ?? (message.tool_use_id ? names.get(message.tool_use_id) : undefined),
        tool_output: message.content,
        is_error: message.is_error ?? false,
      });
    } else if (message.is_error) {
      blocks.push({ ...base, type: "error", content: message.content, is_error: true });
    }
  }
  return blocks;
}
