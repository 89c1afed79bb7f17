import type { McpServerConfig } from "../../../storage/agents.js";
import type { ExecutorAdapter, PermissionMode, RunSpec } from "../adapter.js";
import { type PlainObject, serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { jsonLinesParser } from "../json-lines.js";
import { asArray, asId, asNumber, asObject, asString } from "../json-values.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { instructionsOf } from "../prompt-text.js";
import { RunOutputs, type UsageOutput } from "../run-outputs.js";
import { type TomlValue, tomlString, tomlValue } from "../toml-values.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `codex exec --json --skip-git-repo-check [-m model] [sandbox] [-c overrides] -- <prompt>`, or
 * `codex exec resume --json ... -- <thread_id> <prompt>`. `exec` never asks for approval; the sandbox is
 * the permission. Extra instructions go in `developer_instructions` (a developer message after Codex's own
 * instructions), MCP servers in `mcp_servers.<name>` tables; update checks and analytics are off.
 */
export const codexAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const resumeId = spec.resumeSessionId;
    const args = resumeId ? ["exec", "resume"] : ["exec"];
    args.push("--json", "--skip-git-repo-check");
    if (spec.model) args.push("-m", spec.model);
    args.push(...sandboxArgs(spec.permissionMode, resumeId !== undefined), ...configArgs(spec));
    args.push("--", ...(resumeId ? [resumeId] : []), spec.prompt);
    return { args };
  },
  createParser: createCodexParser,
  resumeRequiresSameWorkdir: false,
  usageIsCumulative: true,
};

/** `exec resume` has no `-s`, so there the sandbox is set through its config key instead. */
function sandboxArgs(mode: PermissionMode | undefined, resuming: boolean): string[] {
  if (mode === undefined) return [];
  if (mode === "bypassPermissions") return ["--dangerously-bypass-approvals-and-sandbox"];
  const sandbox = mode === "acceptEdits" ? "workspace-write" : "read-only";
  return resuming ? ["-c", `sandbox_mode=${tomlString(sandbox)}`] : ["-s", sandbox];
}

function configArgs(spec: RunSpec): string[] {
  const overrides = ["check_for_update_on_startup=false", "analytics.enabled=false"];
  const instructions = instructionsOf(spec);
  if (instructions) overrides.push(`developer_instructions=${tomlString(instructions)}`);
  for (const [name, table] of Object.entries(codexMcpServers(spec.mcpServers) ?? {})) {
    overrides.push(`mcp_servers.${name}=${tomlValue(table)}`);
  }
  return overrides.flatMap((override) => ["-c", override]);
}

/** Codex server names are bare TOML keys (letters, digits, `_`, `-`); other characters become `_`. */
function codexMcpServers(servers: Record<string, McpServerConfig> | undefined) {
  const converted = convertMcpServers(servers, codexMcpServer);
  if (!converted) return undefined;
  return Object.fromEntries(
    Object.entries(converted).map(([name, table]) => [name.replace(/[^A-Za-z0-9_-]/g, "_"), table]),
  );
}

/** Codex speaks stdio and streamable HTTP; an SSE server is given its URL and left to Codex. */
function codexMcpServer(server: ResolvedMcpServer): Record<string, TomlValue> {
  if (server.transport === "stdio") {
    return server.env
      ? { command: server.command, args: server.args, env: server.env }
      : { command: server.command, args: server.args };
  }
  return server.headers ? { url: server.url, http_headers: server.headers } : { url: server.url };
}

/**
 * Parser for `codex exec --json`: thread.started → session; agent_message items → delta (complete
 * text, separate messages a blank line apart); command_execution, file_change, mcp_tool_call and
 * web_search items → tool_start / tool_end; reasoning and todo items are ignored; turn.completed →
 * turn_complete and usage. `exec` runs one turn and prints no result line, so the result comes at EOF:
 * the agent's text after its last tool call, or the turn.failed / error message. Usage is the thread's
 * cumulative total: exact for a new thread, but for a resumed one it includes earlier runs' tokens.
 */
export function createCodexParser() {
  const out = new RunOutputs();
  const started = new Set<string>();
  let completed = false;
  let turnFailure: string | undefined;
  // A top-level `error` is fatal unless the turn still completes (a retried stream); held until then.
  let pendingError: string | undefined;

  const startItem = (item: PlainObject) => {
    const id = asId(item.id);
    if (id && started.has(id)) return;
    const tool = itemTool(item);
    if (!tool) return;
    if (id) started.add(id);
    out.toolStart(id, tool.name, tool.input);
  };

  const completeItem = (item: PlainObject) => {
    if (item.type === "agent_message") {
      const text = asString(item.text) ?? "";
      out.delta(out.answerText ? `\n\n${text}` : text);
      return;
    }
    if (item.type === "error") {
      out.error(asString(item.message));
      return;
    }
    const tool = itemTool(item);
    if (!tool) return;
    startItem(item);
    out.toolEnd(asId(item.id), tool.result, tool.isError);
  };

  return jsonLinesParser(out, {
    event(event) {
      const item = asObject(event.item);
      switch (event.type) {
        case "thread.started":
          out.session(asId(event.thread_id));
          break;
        case "item.started":
          if (item) startItem(item);
          break;
        case "item.completed":
          if (item) completeItem(item);
          break;
        case "turn.completed": {
          completed = true;
          out.error(pendingError);
          pendingError = undefined;
          out.turnComplete();
          const usage = codexUsage(event.usage);
          if (usage) out.usage(usage);
          break;
        }
        case "turn.failed":
          turnFailure = readableError(asString(asObject(event.error)?.message)) ?? "the turn failed";
          break;
        case "error":
          pendingError = readableError(asString(event.message)) ?? "codex reported an error";
          break;
      }
    },
    end() {
      const failure = turnFailure ?? pendingError;
      if (failure) out.result({ isError: true, error: failure });
      else if (completed) out.result({ isError: false, text: out.answerText });
    },
  });
}

interface ItemTool {
  name: string;
  input: unknown;
  result: string;
  isError: boolean;
}

/** The tool call an item stands for, or undefined for items that are not tool calls. */
function itemTool(item: PlainObject): ItemTool | undefined {
  const failed = item.status === "failed";
  switch (item.type) {
    case "command_execution": {
      const exitCode = asNumber(item.exit_code);
      return {
        name: "exec_command",
        input: { command: item.command },
        result: asString(item.aggregated_output) ?? "",
        isError: failed || (exitCode !== undefined && exitCode !== 0),
      };
    }
    case "file_change": {
      const changes = asArray(item.changes).map(asObject);
      const lines = changes.map(
        (change) => `${asString(change?.kind) ?? "update"} ${asString(change?.path) ?? ""}`,
      );
      return {
        name: "file_change",
        input: { changes: item.changes },
        result: lines.join("\n"),
        isError: failed,
      };
    }
    case "mcp_tool_call": {
      const error = asString(asObject(item.error)?.message);
      return {
        name: `mcp__${asString(item.server) ?? "server"}__${asString(item.tool) ?? "tool"}`,
        input: item.arguments ?? {},
        result: error ?? mcpResultText(item.result),
        isError: failed || error !== undefined,
      };
    }
    case "web_search":
      return { name: "web_search", input: { query: item.query }, result: "", isError: false };
    default:
      return undefined;
  }
}

function mcpResultText(result: unknown): string {
  const content = asArray(asObject(result)?.content);
  return content
    .map((block) => asString(asObject(block)?.text))
    .filter((text): text is string => text !== undefined)
    .join("\n");
}

/** Codex passes API error bodies through as JSON text; their `error.message` is what a person wants. */
function readableError(message: string | undefined): string | undefined {
  if (!message?.startsWith("{")) return message;
  try {
    return asString(asObject(asObject(JSON.parse(message))?.error)?.message) ?? message;
  } catch {
    return message;
  }
}

/** OpenAI counts cached tokens into input_tokens; `input` here is the uncached part. */
function codexUsage(value: unknown): UsageOutput | undefined {
  const usage = asObject(value);
  const input = asNumber(usage?.input_tokens);
  const output = asNumber(usage?.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cached = asNumber(usage?.cached_input_tokens) ?? 0;
  const result: UsageOutput = {
    input: Math.max(0, (input ?? 0) - cached),
    output: output ?? 0,
    cacheRead: cached,
  };
  const cacheWrite = asNumber(usage?.cache_write_input_tokens);
  if (cacheWrite) result.cacheWrite = cacheWrite;
  return result;
}

/** OpenAI Codex CLI (`@openai/codex`). CODEX_HOME moves its whole directory, credentials included. */
export const codex: ExecutorDescriptor = {
  id: "CODEX",
  name: "Codex",
  binaries: ["codex"],
  globalConfigDir: ".codex",
  globalConfigDirEnv: "CODEX_HOME",
  credentialFiles: [{ base: "globalConfig", path: "auth.json" }],
  workspaceConfigEntries: [".codex"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".codex/skills" },
  ],
  mcpSources: [
    // `[mcp_servers.<name>]` tables.
    { base: "globalConfig", path: "config.toml", format: "toml", countServers: serversAt("mcp_servers") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork", "SetupHelper"],
  features: CODING_AGENT_FEATURES,
  adapter: codexAdapter,
};
