import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { NativeSessionMessage } from "../../../handlers/capabilities/native-sessions.js";
import { claudeCode } from "../adapters/claude-code.js";
import type { PlainObject } from "../config-shapes.js";
import { asArray, asId, asObject, asString } from "../json-values.js";
import { type EnvRecord, pathRoots } from "../locations.js";
import {
  type NativeLogFile,
  type NativeLogReader,
  type NativeSessionFormat,
  SESSION_ID_PATTERN,
  textOf,
} from "./format.js";

/**
 * Claude Code: `<config dir>/projects/<cwd, every non-alphanumeric character as '->/<session id>.jsonl`,
 * one line per event; `user` and `assistant` lines carry the conversation (`isSidechain` lines belong to
 * sub-agents and `isMeta` lines to the CLI itself).
 */
export const claudeCodeSessions: NativeSessionFormat = {
  executor: "CLAUDE_CODE",
  idPattern: SESSION_ID_PATTERN,
  root(home: string, env: EnvRecord) {
    // CLAUDE_CONFIG_DIR moves the CLI's data directory (transcripts included), as CODEX_HOME does Codex's.
    const descriptor = { ...claudeCode, globalConfigDirEnv: "CLAUDE_CONFIG_DIR" };
    return join(pathRoots(descriptor, home, env, home).globalConfig, "projects");
  },
  async files(root) {
    const found: NativeLogFile[] = [];
    for (const project of await readdir(root, { withFileTypes: true })) {
      if (!project.isDirectory()) continue;
      const dir = join(root, project.name);
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const id = entry.isFile() ? /^(.+)\.jsonl$/.exec(entry.name)?.[1] : undefined;
        if (id && SESSION_ID_PATTERN.test(id))
          found.push({ id, path: join(dir, entry.name), locationKey: project.name });
      }
    }
    return found;
  },
  async find(root, id) {
    for (const project of await readdir(root, { withFileTypes: true })) {
      if (!project.isDirectory()) continue;
      const path = join(root, project.name, `${id}.jsonl`);
      const stat = await lstat(path).catch(() => undefined);
      if (stat?.isFile()) return { id, path, locationKey: project.name };
    }
    return undefined;
  },
  locationKeyOf(workspacePath) {
    return workspacePath.replace(/[^A-Za-z0-9]/g, "-");
  },
  createReader: () => new ClaudeLogReader(),
};

class ClaudeLogReader implements NativeLogReader {
  private cwd?: string;
  private firstTimestamp?: string;
  private readonly messages: NativeSessionMessage[] = [];

  record(record: PlainObject): void {
    const timestamp = asString(record.timestamp);
    this.firstTimestamp ??= timestamp;
    this.cwd ??= asId(record.cwd);
    if (record.isSidechain === true || record.isMeta === true) return;
    const message = asObject(record.message);
    if (!message || (record.type !== "user" && record.type !== "assistant")) return;
    const base = { id: asId(record.uuid) ?? `line-${this.messages.length}`, timestamp: timestamp ?? "" };
    const content = message.content;
    if (record.type === "user" && typeof content === "string") {
      this.messages.push({ ...base, type: "user", content });
      return;
    }
    asArray(content).forEach((raw, i) => {
      const block = asObject(raw);
      const one = block && this.convert(record.type as string, block);
      if (one) this.messages.push({ ...base, id: `${base.id}-${i}`, ...one });
    });
  }

  private convert(
    role: string,
    block: PlainObject,
  ): Omit<NativeSessionMessage, "id" | "timestamp"> | undefined {
    if (role === "user" && block.type === "text" && asId(block.text))
      return { type: "user", content: block.text as string };
    if (role === "user" && block.type === "tool_result") {
      const output = textOf(block.content);
      return {
        type: "tool_result",
        tool_use_id: asString(block.tool_use_id),
        ...(output === undefined ? {} : { content: output, tool_output: output }),
        is_error: block.is_error === true,
      };
    }
    if (role !== "assistant") return undefined;
    if (block.type === "text" && asId(block.text)) return { type: "text", content: block.text as string };
    if (block.type === "thinking" && asId(block.thinking))
      return { type: "thinking", content: block.thinking as string };
    if (block.type === "tool_use")
      return {
        type: "tool_use",
        tool_use_id: asString(block.id),
        tool_name: asString(block.name),
        tool_input: block.input,
      };
    return undefined;
  }

  result() {
    return { cwd: this.cwd, firstTimestamp: this.firstTimestamp, messages: this.messages };
  }
}
