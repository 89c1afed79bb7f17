import type { ExecutorAdapter, PermissionMode } from "../adapter.js";
import { serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { jsonLinesParser } from "../json-lines.js";
import { asId, asNumber, asObject, asString } from "../json-values.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { promptWithInstructions } from "../prompt-text.js";
import { RunOutputs, type UsageOutput } from "../run-outputs.js";
import { addUsage } from "../token-usage.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `opencode run --format json [--model provider/model] [--auto | --agent plan] [--session id] -- <prompt>`.
 * MCP servers go in OPENCODE_CONFIG_CONTENT, inline config merged over the user's (it replaces any
 * OPENCODE_CONFIG_CONTENT the gateway itself runs with). There is no option for extra instructions, which
 * go ahead of the prompt. A model without a provider prefix is not passed: OpenCode would reject it, so its
 * configured default is used. Sessions belong to a project, so a resume runs in the same directory.
 */
export const opencodeAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    const args = ["run", "--format", "json"];
    if (spec.model?.includes("/")) args.push("--model", spec.model);
    args.push(...opencodePermissionArgs(spec.permissionMode));
    if (spec.resumeSessionId) args.push("--session", spec.resumeSessionId);
    args.push("--", promptWithInstructions(spec));
    const env: Record<string, string> = { OPENCODE_DISABLE_AUTOUPDATE: "true" };
    const servers = convertMcpServers(spec.mcpServers, opencodeMcpServer);
    if (servers) env.OPENCODE_CONFIG_CONTENT = JSON.stringify({ mcp: servers });
    return { args, env };
  },
  createParser: createOpencodeParser,
  resumeRequiresSameWorkdir: true,
};

/** Without `--auto`, `opencode run` rejects every permission request; `plan` is its read-only agent. */
function opencodePermissionArgs(mode: PermissionMode | undefined): string[] {
  if (mode === "bypassPermissions") return ["--auto"];
  if (mode === "plan") return ["--agent", "plan"];
  return [];
}

function opencodeMcpServer(server: ResolvedMcpServer) {
  if (server.transport === "stdio") {
    return { type: "local", command: [server.command, ...server.args], environment: server.env };
  }
  return { type: "remote", url: server.url, headers: server.headers };
}

/**
 * Parser for `opencode run --format json`: every line carries the sessionID; `text` parts → delta
 * (complete text); a `tool_use` part arrives finished → tool_start and tool_end; `step_finish` (one model
 * call) → turn_complete and the usage summed so far; `error` → the failure. OpenCode prints no result
 * line, so the result comes at EOF: the text after the last tool call, or the last error.
 */
export function createOpencodeParser() {
  const out = new RunOutputs();
  let usage: UsageOutput | undefined;
  let stepFinished = false;
  let failure: string | undefined;
  return jsonLinesParser(out, {
    event(event) {
      out.session(asId(event.sessionID));
      const part = asObject(event.part) ?? {};
      switch (event.type) {
        case "text":
          out.delta(asString(part.text));
          break;
        case "tool_use": {
          const state = asObject(part.state) ?? {};
          const id = asId(part.callID);
          const isError = state.status === "error";
          out.toolStart(id, asString(part.tool) ?? "tool", state.input ?? {});
          out.toolEnd(id, (isError ? asString(state.error) : asString(state.output)) ?? "", isError);
          break;
        }
        case "step_finish": {
          stepFinished = true;
          out.turnComplete();
          const more = opencodeUsage(part);
          if (more) {
            usage = addUsage(usage, more);
            out.usage(usage);
          }
          break;
        }
        case "error": {
          const error = asObject(event.error);
          failure =
            asString(asObject(error?.data)?.message) ??
            asString(error?.message) ??
            asString(error?.name) ??
            "OpenCode reported an error";
          break;
        }
      }
    },
    end() {
      if (failure) out.result({ isError: true, error: failure });
      else if (stepFinished) out.result({ isError: false, text: out.answerText });
    },
  });
}

/** A step's tokens; OpenCode reports input without the cached part, and a cost in dollars. */
function opencodeUsage(part: Record<string, unknown>): UsageOutput | undefined {
  const tokens = asObject(part.tokens);
  if (!tokens) return undefined;
  const cache = asObject(tokens.cache);
  const result: UsageOutput = { input: asNumber(tokens.input) ?? 0, output: asNumber(tokens.output) ?? 0 };
  const cacheRead = asNumber(cache?.read);
  const cacheWrite = asNumber(cache?.write);
  const cost = asNumber(part.cost);
  if (cacheRead !== undefined) result.cacheRead = cacheRead;
  if (cacheWrite !== undefined) result.cacheWrite = cacheWrite;
  if (cost !== undefined) result.costUsd = cost;
  return result;
}

/** OpenCode (`opencode-ai`). Servers live under `mcp`; skill folders are named `skill` or `skills`. */
export const opencode: ExecutorDescriptor = {
  id: "OPENCODE",
  name: "OpenCode",
  binaries: ["opencode"],
  globalConfigDir: ".config/opencode",
  credentialFiles: [{ base: "home", path: ".local/share/opencode/auth.json" }],
  workspaceConfigEntries: [".opencode", "opencode.json"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "globalConfig", path: "skill" },
    { base: "workspace", path: ".opencode/skills" },
    { base: "workspace", path: ".opencode/skill" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "opencode.json", format: "json", countServers: serversAt("mcp") },
    { base: "workspace", path: "opencode.json", format: "json", countServers: serversAt("mcp") },
  ],
  supportsMcp: true,
  capabilities: ["SessionFork"],
  features: CODING_AGENT_FEATURES,
  adapter: opencodeAdapter,
};
