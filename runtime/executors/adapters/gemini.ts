import type { ExecutorAdapter, PermissionMode } from "../adapter.js";
import { serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { jsonLinesParser } from "../json-lines.js";
import { asId, asNumber, asObject, asString } from "../json-values.js";
import { promptWithInstructions } from "../prompt-text.js";
import { RunOutputs, type UsageOutput } from "../run-outputs.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `gemini --skip-trust [-m model] -o stream-json [--yolo | --approval-mode mode] [--resume id]
 * --prompt=<prompt>` with GEMINI_CLI_NO_RELAUNCH=true (one process to signal, faster start).
 * Gemini has no option for extra instructions (GEMINI_SYSTEM_MD replaces its whole system prompt from a
 * file), so they go ahead of the prompt; nor for MCP servers, which it reads from settings.json.
 * `--prompt=` keeps a prompt that starts with "-" a value. Resuming works only from the session's cwd.
 */
export const geminiAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const args = ["--skip-trust"];
    if (spec.model) args.push("-m", spec.model);
    args.push("-o", "stream-json", ...geminiApprovalArgs(spec.permissionMode, "auto_edit"));
    if (spec.resumeSessionId) args.push("--resume", spec.resumeSessionId);
    args.push(`--prompt=${promptWithInstructions(spec)}`);
    return { args, env: { GEMINI_CLI_NO_RELAUNCH: "true" } };
  },
  createParser: createGeminiParser,
  resumeRequiresSameWorkdir: true,
};

/** Approval flags of Gemini CLI and its fork Qwen Code, which spell "accept edits" differently. */
export function geminiApprovalArgs(mode: PermissionMode | undefined, acceptEdits: string): string[] {
  switch (mode) {
    case undefined:
      return [];
    case "bypassPermissions":
      return ["--yolo"];
    case "acceptEdits":
      return ["--approval-mode", acceptEdits];
    default:
      return ["--approval-mode", mode];
  }
}

/**
 * Parser for `gemini -o stream-json`: init → session; assistant `message` deltas → delta (the user's
 * echoed prompt is skipped); tool_use / tool_result → tool_start / tool_end; `error` lines (warnings,
 * loop detection) → error; `result` → usage from its stats and the result, whose text is the assistant
 * text after the last tool call (Gemini prints none). A turn completes when all its tools have results.
 */
export function createGeminiParser() {
  const out = new RunOutputs();
  return jsonLinesParser(out, {
    event(event) {
      switch (event.type) {
        case "init":
          out.session(asId(event.session_id), asString(event.model));
          break;
        case "message":
          if (event.role === "assistant") out.delta(asString(event.content));
          break;
        case "tool_use":
          out.toolStart(asId(event.tool_id), asString(event.tool_name) ?? "tool", event.parameters ?? {});
          break;
        case "tool_result": {
          const error = asString(asObject(event.error)?.message);
          out.toolEnd(asId(event.tool_id), asString(event.output) ?? error ?? "", event.status === "error");
          break;
        }
        case "error":
          out.error(asString(event.message));
          break;
        case "result": {
          out.turnComplete();
          const usage = geminiUsage(event.stats);
          if (usage) out.usage(usage);
          if (event.status === "success") out.result({ isError: false, text: out.answerText });
          else
            out.result({
              isError: true,
              error: asString(asObject(event.error)?.message) ?? "Gemini CLI reported an error",
            });
          break;
        }
      }
    },
    end() {
      out.turnComplete();
    },
  });
}

/** Gemini's input_tokens include the cached prompt tokens; `input` here is the uncached part. */
function geminiUsage(value: unknown): UsageOutput | undefined {
  const stats = asObject(value);
  const input = asNumber(stats?.input_tokens);
  const output = asNumber(stats?.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cached = asNumber(stats?.cached) ?? 0;
  return { input: Math.max(0, (input ?? 0) - cached), output: output ?? 0, cacheRead: cached };
}

/** Gemini CLI (`@google/gemini-cli`). */
export const gemini: ExecutorDescriptor = {
  id: "GEMINI",
  name: "Gemini CLI",
  binaries: ["gemini"],
  globalConfigDir: ".gemini",
  credentialFiles: [{ base: "home", path: ".gemini/oauth_creds.json" }],
  workspaceConfigEntries: [".gemini"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".gemini/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "settings.json", format: "json", countServers: serversAt("mcpServers") },
    {
      base: "workspace",
      path: ".gemini/settings.json",
      format: "json",
      countServers: serversAt("mcpServers"),
    },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
  adapter: geminiAdapter,
};
