import type { ExecutorAdapter, PermissionMode } from "../adapter.js";
import { type PlainObject, serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { jsonLinesParser } from "../json-lines.js";
import { asArray, asId, asNumber, asObject, asString } from "../json-values.js";
import { promptWithInstructions } from "../prompt-text.js";
import { RunOutputs } from "../run-outputs.js";
import { readTokenUsage } from "../token-usage.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `cursor-agent -p --output-format stream-json --trust [--model m] [--force | --mode plan]
 * [--resume chatId] -- <prompt>`. `--trust` trusts the workdir, without which print mode refuses to
 * start; reads and edits are allowed, shell commands only with `--force`. There is no option for extra
 * instructions (they go ahead of the prompt) nor for MCP servers (read from `.cursor/mcp.json`).
 * Chats are kept per workspace, so a resume must run in the same directory.
 */
export const cursorAgentAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const args = ["-p", "--output-format", "stream-json", "--trust"];
    if (spec.model) args.push("--model", spec.model);
    args.push(...cursorPermissionArgs(spec.permissionMode));
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    args.push("--", promptWithInstructions(spec));
    return { args };
  },
  createParser: createCursorParser,
  resumeRequiresSameWorkdir: true,
};

function cursorPermissionArgs(mode: PermissionMode | undefined): string[] {
  if (mode === "bypassPermissions") return ["--force"];
  if (mode === "plan") return ["--mode", "plan"];
  return [];
}

/**
 * Parser for `cursor-agent --output-format stream-json`: system/init → session; each `assistant` line is
 * a complete message between tool calls → delta; `tool_call` started/completed → tool_start/tool_end
 * (the tool is the key of `tool_call`, `shellToolCall` → `shell`); `result` → usage and result. The
 * prompt echo (`user`), thinking and interaction lines are skipped.
 */
export function createCursorParser() {
  const out = new RunOutputs();
  return jsonLinesParser(out, {
    event(event) {
      switch (event.type) {
        case "system":
          if (event.subtype === "init") out.session(asId(event.session_id), asString(event.model));
          break;
        case "assistant":
          for (const block of asArray(asObject(event.message)?.content).map(asObject)) {
            if (block?.type === "text") out.delta(asString(block.text));
          }
          break;
        case "tool_call": {
          const call = cursorToolCall(asObject(event.tool_call));
          if (event.subtype === "started") out.toolStart(asId(event.call_id), call.name, call.args);
          else if (event.subtype === "completed")
            out.toolEnd(asId(event.call_id), call.result, call.isError, call.name);
          break;
        }
        case "result": {
          out.session(asId(event.session_id));
          out.turnComplete();
          const usage = readTokenUsage(event.usage);
          if (usage) out.usage(usage);
          const isError =
            event.is_error === true || (event.subtype !== undefined && event.subtype !== "success");
          const text = asString(event.result);
          out.result(isError ? { isError, error: text || "Cursor reported an error" } : { isError, text });
          break;
        }
      }
    },
    end() {
      out.turnComplete();
    },
  });
}

interface CursorToolCall {
  name: string;
  args: unknown;
  result: string;
  isError: boolean;
}

/** `{"shellToolCall": {args, result}}` or `{"function": {name, arguments}}`. */
function cursorToolCall(toolCall: PlainObject | undefined): CursorToolCall {
  const [key, value] = Object.entries(toolCall ?? {})[0] ?? ["tool", undefined];
  const call = asObject(value);
  const name = key === "function" ? (asString(call?.name) ?? "function") : key.replace(/ToolCall$/, "");
  const args = key === "function" ? parseArguments(call?.arguments) : (call?.args ?? {});
  return { name, args, ...cursorToolResult(asObject(call?.result)) };
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value ?? {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** `{success: {...}}` is the output; `error`, `failure`, `rejected` (shell without --force) are errors. */
function cursorToolResult(result: PlainObject | undefined): { result: string; isError: boolean } {
  if (!result) return { result: "", isError: false };
  const success = asObject(result.success);
  if (success) {
    const exitCode = asNumber(success.exitCode);
    return { result: successText(success), isError: exitCode !== undefined && exitCode !== 0 };
  }
  const [kind, detail] = Object.entries(result)[0] ?? ["error", undefined];
  const info = asObject(detail);
  const message =
    asString(detail) ?? asString(info?.error) ?? asString(info?.message) ?? asString(info?.reason);
  return {
    result: message ? `${kind}: ${message}` : `${kind}: ${JSON.stringify(detail ?? {})}`,
    isError: true,
  };
}

/** Shell output, a file's content, or the success object itself for other tools. */
function successText(success: PlainObject): string {
  const streams = [asString(success.stdout), asString(success.stderr)].filter(
    (text): text is string => !!text,
  );
  if (streams.length > 0) return streams.join("\n");
  return asString(success.content) ?? JSON.stringify(success);
}

/** Cursor's CLI agent, installed as `cursor-agent` (older) or `agent` (newer). */
export const cursorAgent: ExecutorDescriptor = {
  id: "CURSOR_AGENT",
  name: "Cursor",
  binaries: ["cursor-agent", "agent"],
  globalConfigDir: ".cursor",
  credentialFiles: [{ base: "home", path: ".config/cursor/auth.json" }],
  workspaceConfigEntries: [".cursor"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".cursor/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "mcp.json", format: "json", countServers: serversAt("mcpServers") },
    { base: "workspace", path: ".cursor/mcp.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: ["SetupHelper"],
  features: CODING_AGENT_FEATURES,
  adapter: cursorAgentAdapter,
};
