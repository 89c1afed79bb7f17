import type { PlanEntry, SessionUpdate, ToolKind } from "@agentclientprotocol/sdk";
import type { UiMessage } from "../../storage/sessions.js";
import type { GatewayEvent } from "../capabilities/events.js";

/**
 * ACP's tool kinds let an editor pick an icon and a rendering; the names are the executors' own tools
 * (Claude Code, Codex, Gemini, Qwen, OpenCode), anything else is `other`.
 */
const TOOL_KINDS: Record<string, ToolKind> = {
  bash: "execute",
  exec_command: "execute",
  run_shell_command: "execute",
  shell: "execute",
  read: "read",
  read_file: "read",
  read_many_files: "read",
  notebookread: "read",
  write: "edit",
  edit: "edit",
  multiedit: "edit",
  notebookedit: "edit",
  write_file: "edit",
  replace: "edit",
  file_change: "edit",
  apply_patch: "edit",
  grep: "search",
  glob: "search",
  ls: "search",
  list_directory: "search",
  search_file_content: "search",
  web_search: "fetch",
  webfetch: "fetch",
  web_fetch: "fetch",
  websearch: "fetch",
  google_web_search: "fetch",
  todowrite: "think",
  task: "think",
};

export const toolKind = (tool: string): ToolKind => TOOL_KINDS[tool.toLowerCase()] ?? "other";

const textContent = (text: string) => [
  { type: "content" as const, content: { type: "text" as const, text } },
];

/** A short title an editor can show for the call: the command or path where the input names one. */
export function toolTitle(tool: string, input: unknown): string {
  if (input && typeof input === "object") {
    const fields = input as Record<string, unknown>;
    for (const key of ["description", "command", "file_path", "path", "pattern", "url", "query"]) {
      const value = fields[key];
      if (typeof value === "string" && value.length > 0) return `${tool}: ${value.slice(0, 200)}`;
      if (Array.isArray(value) && value.every((v) => typeof v === "string"))
        return `${tool}: ${value.join(" ").slice(0, 200)}`;
    }
  }
  return tool;
}

const PLAN_STATUSES = new Set(["pending", "in_progress", "completed"]);

/** Claude Code's TodoWrite (and tools shaped like it) carry the agent's plan: ACP shows it as one. */
function planFrom(input: unknown): PlanEntry[] | undefined {
  const todos = (input as { todos?: unknown } | null)?.todos;
  if (!Array.isArray(todos)) return undefined;
  const entries: PlanEntry[] = [];
  for (const todo of todos) {
    const { content, status, priority } = (todo ?? {}) as Record<string, unknown>;
    if (typeof content !== "string") continue;
    entries.push({
      content,
      status:
        typeof status === "string" && PLAN_STATUSES.has(status) ? (status as PlanEntry["status"]) : "pending",
      priority: priority === "high" || priority === "low" ? priority : "medium",
    });
  }
  return entries;
}

/**
 * Turns one run's gateway events into ACP session updates. Tool calls without an executor id get one
 * here, and a `tool_end` without an id closes the oldest open call of that tool.
 */
export class SessionUpdateMapper {
  private readonly open: { id: string; tool: string }[] = [];
  private nextId = 1;

  constructor(private readonly runId: string) {}

  map(event: GatewayEvent): SessionUpdate[] {
    switch (event.type) {
      case "delta":
        return typeof event.content === "string" && event.content.length > 0
          ? [{ sessionUpdate: "agent_message_chunk", content: { type: "text", text: event.content } }]
          : [];
      case "tool_start": {
        const tool = String(event.tool ?? "tool");
        const id =
          typeof event.tool_use_id === "string" && event.tool_use_id
            ? event.tool_use_id
            : `${this.runId}-tool-${this.nextId++}`;
        this.open.push({ id, tool });
        const updates: SessionUpdate[] = [
          {
            sessionUpdate: "tool_call",
            toolCallId: id,
            title: toolTitle(tool, event.input),
            kind: toolKind(tool),
            status: "in_progress",
            rawInput: event.input,
            _meta: { tool_name: tool },
          },
        ];
        const plan = planFrom(event.input);
        if (plan) updates.push({ sessionUpdate: "plan", entries: plan });
        return updates;
      }
      case "tool_end": {
        const id = this.close(event);
        if (!id) return [];
        const result = typeof event.result === "string" ? event.result : JSON.stringify(event.result ?? "");
        return [
          {
            sessionUpdate: "tool_call_update",
            toolCallId: id,
            status: event.is_error === true ? "failed" : "completed",
            content: result ? textContent(result) : [],
            rawOutput: event.result,
          },
        ];
      }
      default:
        return [];
    }
  }

  private close(event: GatewayEvent): string | undefined {
    const byId = typeof event.tool_use_id === "string" && event.tool_use_id ? event.tool_use_id : undefined;
    const index = byId
      ? this.open.findIndex((call) => call.id === byId)
      : this.open.findIndex((call) => call.tool === event.tool);
    if (index < 0) return byId;
    const [call] = this.open.splice(index, 1);
    return call!.id;
  }
}

/** A stored conversation replayed as the updates a live one sent (session/load). */
export function transcriptUpdates(messages: readonly UiMessage[]): SessionUpdate[] {
  const updates: SessionUpdate[] = [];
  let anonymous = 1;
  for (const message of messages) {
    if (message.role === "user") {
      updates.push({
        sessionUpdate: "user_message_chunk",
        content: { type: "text", text: message.content },
        _meta: { message_id: message.id, timestamp: message.timestamp },
      });
      continue;
    }
    if (message.content.length > 0) {
      updates.push({
        sessionUpdate: "agent_message_chunk",
        content: { type: "text", text: message.content },
        _meta: { message_id: message.id, timestamp: message.timestamp },
      });
    }
    for (const call of message.tool_calls ?? []) {
      const id = call.id || `${message.id}-tool-${anonymous++}`;
      updates.push({
        sessionUpdate: "tool_call",
        toolCallId: id,
        title: toolTitle(call.name, call.input),
        kind: toolKind(call.name),
        status: call.result === null ? "pending" : call.is_error ? "failed" : "completed",
        rawInput: call.input,
        ...(call.result === null ? {} : { content: textContent(call.result), rawOutput: call.result }),
        _meta: { tool_name: call.name },
      });
    }
  }
  return updates;
}
