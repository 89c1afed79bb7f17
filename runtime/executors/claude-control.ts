import type { QuestionAnswer } from "../../handlers/capabilities/runs.js";
import type { CommandLine, InteractiveProtocol, InteractiveSignal, RunSpec } from "./adapter.js";
import type { PlainObject } from "./config-shapes.js";
import { parseJsonObject } from "./json-lines.js";
import { asId, asNumber, asObject, asString } from "./json-values.js";

/**
 * Claude Code's two-way stream-json channel (`--input-format stream-json`, `--permission-prompt-tool
 * stdio`): user turns, interrupts and permission answers go to stdin as JSON lines; stdout adds control
 * requests (`can_use_tool`), their cancellations, thinking deltas and one `result` per turn to what the
 * stream parser reads. Every stdin line is built here with JSON.stringify: a line that is not JSON would
 * kill the CLI, so client text is never forwarded raw.
 */
export function claudeControlProtocol(baseCommand: (spec: RunSpec) => CommandLine): InteractiveProtocol {
  // Claude repeats a message's usage on each of its content-block lines: report each message once.
  const usageSeen = new Set<string>();
  return {
    buildCommand(spec) {
      const line = baseCommand(spec);
      return {
        ...line,
        args: [...line.args, "--input-format", "stream-json", "--permission-prompt-tool", "stdio"],
      };
    },
    userTurn: (text) =>
      JSON.stringify({ type: "user", message: { role: "user", content: [{ type: "text", text }] } }),
    interrupt: (requestId) =>
      JSON.stringify({ type: "control_request", request_id: requestId, request: { subtype: "interrupt" } }),
    answer: (requestId, answer) =>
      JSON.stringify({
        type: "control_response",
        response: { subtype: "success", request_id: requestId, response: permissionResult(answer) },
      }),
    read(line) {
      const event = parseJsonObject(line);
      if (!event || asId(event.parent_tool_use_id)) return [];
      switch (event.type) {
        case "control_request":
          return controlRequest(event);
        case "control_cancel_request": {
          const requestId = asId(event.request_id);
          return requestId ? [{ kind: "question_cancelled", requestId }] : [];
        }
        case "stream_event":
          return thinking(asObject(event.event));
        case "assistant":
          return contextUsage(asObject(event.message), usageSeen);
        case "result":
          return [turnResult(event)];
        default:
          return [];
      }
    },
  };
}

/** Claude's PermissionResult; allow needs `updatedInput` (the caller passes the tool's own input). */
function permissionResult(answer: QuestionAnswer) {
  if (answer.behavior === "allow") return { behavior: "allow", updatedInput: answer.updatedInput ?? {} };
  return {
    behavior: "deny",
    message: answer.message ?? "The user rejected this action.",
    ...(answer.interrupt ? { interrupt: true } : {}),
  };
}

function controlRequest(event: PlainObject): InteractiveSignal[] {
  const request = asObject(event.request);
  const requestId = asId(event.request_id);
  if (!request || !requestId || request.subtype !== "can_use_tool") return [];
  return [
    {
      kind: "question",
      requestId,
      toolName: asString(request.tool_name) ?? "tool",
      toolUseId: asId(request.tool_use_id),
      input: request.input ?? {},
    },
  ];
}

function thinking(event: PlainObject | undefined): InteractiveSignal[] {
  const delta = asObject(event?.delta);
  if (event?.type !== "content_block_delta" || delta?.type !== "thinking_delta") return [];
  const text = asString(delta.thinking);
  return text ? [{ kind: "thinking", text }] : [];
}

function contextUsage(message: PlainObject | undefined, seen: Set<string>): InteractiveSignal[] {
  const usage = asObject(message?.usage);
  const id = asId(message?.id);
  if (!usage || !id || seen.has(id) || message?.model === "<synthetic>") return [];
  seen.add(id);
  const count = (value: unknown) => asNumber(value) ?? 0;
  return [
    {
      kind: "context_usage",
      input: count(usage.input_tokens),
      output: count(usage.output_tokens),
      cacheRead: count(usage.cache_read_input_tokens),
      cacheWrite: count(usage.cache_creation_input_tokens),
    },
  ];
}

function turnResult(event: PlainObject): InteractiveSignal {
  const subtype = asString(event.subtype) ?? "success";
  const isError = event.is_error === true || subtype !== "success";
  const text = asString(event.result);
  return {
    kind: "turn_result",
    subtype,
    isError,
    ...(isError ? { error: text ?? `the turn ended with ${subtype}` } : { text }),
    costUsd: asNumber(event.total_cost_usd),
    durationMs: asNumber(event.duration_ms),
    numTurns: asNumber(event.num_turns),
  };
}
