import type { ExecutorAdapter, PermissionMode } from "../adapter.js";
import { serversAt } from "../config-shapes.js";
import { CODING_AGENT_FEATURES } from "../features.js";
import { jsonLinesParser } from "../json-lines.js";
import { asId, asNumber, asObject, asString } from "../json-values.js";
import { convertMcpServers, type ResolvedMcpServer } from "../mcp-servers.js";
import { promptWithInstructions } from "../prompt-text.js";
import { RunOutputs, type UsageOutput } from "../run-outputs.js";
import { addUsage, readTokenUsage } from "../token-usage.js";
import type { ExecutorDescriptor } from "../types.js";

/**
 * `copilot --prompt=<prompt> --output-format json <permissions> [--model m] [--additional-mcp-config json]
 * [--resume=<id>]`, with auto-update off. Prompt mode requires `--allow-all-tools`, so every mode allows
 * tools; `bypassPermissions` also allows all paths and URLs, `plan` starts in plan mode. There is no
 * option for extra instructions, which go ahead of the prompt. Sessions resume from any directory.
 */
export const copilotAdapter: ExecutorAdapter = {
  buildCommand(spec) {
    // `=` keeps a prompt starting with "-" a value; `--resume` takes its optional id only this way.
    const args = [`--prompt=${promptWithInstructions(spec)}`, "--output-format", "json"];
    args.push(...copilotPermissionArgs(spec.permissionMode));
    if (spec.model) args.push("--model", spec.model);
    const servers = convertMcpServers(spec.mcpServers, copilotMcpServer);
    if (servers) args.push("--additional-mcp-config", JSON.stringify({ mcpServers: servers }));
    if (spec.resumeSessionId) args.push(`--resume=${spec.resumeSessionId}`);
    return { args, env: { COPILOT_AUTO_UPDATE: "false" } };
  },
  createParser: createCopilotParser,
  resumeRequiresSameWorkdir: false,
};

function copilotPermissionArgs(mode: PermissionMode | undefined): string[] {
  if (mode === "bypassPermissions") return ["--allow-all"];
  if (mode === "plan") return ["--allow-all-tools", "--plan"];
  return ["--allow-all-tools"];
}

/** Copilot's mcp-config shape; `tools: ["*"]` exposes every tool of the server. */
function copilotMcpServer(server: ResolvedMcpServer) {
  if (server.transport === "stdio") {
    return { type: "local", command: server.command, args: server.args, env: server.env, tools: ["*"] };
  }
  return { type: server.transport, url: server.url, headers: server.headers, tools: ["*"] };
}

/**
 * Parser for `copilot --output-format json` (session events): assistant.message_delta → delta, and an
 * assistant.message whose id was not streamed → delta; tool.execution_start / _complete → tool_start /
 * tool_end; assistant.turn_end → turn_complete; assistant.usage events are summed; the closing `result`
 * line gives the session id and the exit code, with the last session.error as the failure.
 */
export function createCopilotParser() {
  const out = new RunOutputs();
  const streamedIds = new Set<string>();
  let usage: UsageOutput | undefined;
  let lastError: string | undefined;
  return jsonLinesParser(out, {
    event(event) {
      const data = asObject(event.data) ?? {};
      switch (event.type) {
        case "assistant.message_delta": {
          const id = asId(data.messageId);
          if (id) streamedIds.add(id);
          out.delta(asString(data.deltaContent));
          break;
        }
        case "assistant.message": {
          const id = asId(data.messageId);
          if (!id || !streamedIds.has(id)) out.delta(asString(data.content));
          break;
        }
        case "tool.execution_start":
          out.toolStart(asId(data.toolCallId), asString(data.toolName) ?? "tool", data.arguments ?? {});
          break;
        case "tool.execution_complete": {
          const success = data.success === true;
          const text = success
            ? asString(asObject(data.result)?.content)
            : (asString(asObject(data.error)?.message) ?? asString(asObject(data.result)?.content));
          out.toolEnd(asId(data.toolCallId), text ?? "", !success);
          break;
        }
        case "assistant.turn_end":
          out.turnComplete();
          break;
        case "assistant.usage": {
          const more = readTokenUsage(data);
          if (more) usage = addUsage(usage, more);
          break;
        }
        case "session.error":
          lastError = asString(data.message) ?? lastError;
          break;
        case "result": {
          out.session(asId(event.sessionId));
          out.turnComplete();
          if (usage) out.usage(usage);
          const exitCode = asNumber(event.exitCode) ?? 0;
          if (exitCode === 0) out.result({ isError: false, text: out.answerText });
          else out.result({ isError: true, error: lastError ?? `Copilot exited with code ${exitCode}` });
          break;
        }
      }
    },
    end() {
      out.turnComplete();
    },
  });
}

/** GitHub Copilot CLI (`@github/copilot`). Its config.json records the logged-in users. */
export const copilot: ExecutorDescriptor = {
  id: "COPILOT",
  name: "GitHub Copilot",
  binaries: ["copilot"],
  globalConfigDir: ".copilot",
  credentialFiles: [{ base: "home", path: ".copilot/config.json" }],
  workspaceConfigEntries: [".github/copilot-instructions.md", ".copilot"],
  skillDirs: [
    { base: "globalConfig", path: "skills" },
    { base: "workspace", path: ".github/skills" },
    { base: "workspace", path: ".copilot/skills" },
  ],
  mcpSources: [
    { base: "globalConfig", path: "mcp-config.json", format: "json", countServers: serversAt("mcpServers") },
  ],
  supportsMcp: true,
  capabilities: [],
  features: CODING_AGENT_FEATURES,
  adapter: copilotAdapter,
};
