import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { NativeSessionMessage } from "../../../handlers/capabilities/native-sessions.js";
import { codex } from "../adapters/codex.js";
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

const ROLLOUT = /^rollout-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-(.+)\.jsonl$/;
const DATE_PART = /^\d{1,4}$/;

/** Plain sub-directories whose names are date parts (YYYY, MM, DD); links are not followed. */
async function dateDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && DATE_PART.test(e.name)).map((e) => join(dir, e.name));
}

async function dayDirs(root: string): Promise<string[]> {
  const months = (await Promise.all((await dateDirs(root)).map(dateDirs))).flat();
  return (await Promise.all(months.map(dateDirs))).flat();
}

async function rollouts(day: string): Promise<NativeLogFile[]> {
  const entries = await readdir(day, { withFileTypes: true }).catch(() => []);
  return entries.flatMap((e) => {
    const id = e.isFile() ? ROLLOUT.exec(e.name)?.[1] : undefined;
    return id && SESSION_ID_PATTERN.test(id) ? [{ id, path: join(day, e.name) }] : [];
  });
}

/**
 * Codex: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`. Each line is
 * `{timestamp, type, payload}`: `session_meta` (id, cwd), `event_msg` (the user's and the agent's messages,
 * as `user_message`/`agent_message` or, in newer versions, `item_completed` items) and `response_item`
 * (what went to the model: tool calls, their outputs, reasoning; messages there include the CLI's own
 * instructions, so they are used only for a log that has no event messages).
 */
export const codexSessions: NativeSessionFormat = {
  executor: "CODEX",
  idPattern: SESSION_ID_PATTERN,
  root(home: string, env: EnvRecord) {
    return join(pathRoots(codex, home, env, home).globalConfig, "sessions");
  },
  async files(root) {
    return (await Promise.all((await dayDirs(root)).map(rollouts))).flat();
  },
  async find(root, id) {
    for (const day of await dayDirs(root)) {
      const match = (await rollouts(day)).find((file) => file.id === id);
      if (match) return match;
    }
    return undefined;
  },
  createReader: () => new CodexLogReader(),
};

type Draft = NativeSessionMessage & { fromModelInput?: true };

class CodexLogReader implements NativeLogReader {
  private cwd?: string;
  private firstTimestamp?: string;
  private readonly messages: Draft[] = [];
  private sawEventMessages = false;

  record(record: PlainObject): void {
    const timestamp = asString(record.timestamp) ?? "";
    this.firstTimestamp ??= asString(record.timestamp);
    const payload = asObject(record.payload);
    if (!payload) return;
    const id = `${this.messages.length}`;
    if (record.type === "session_meta" || record.type === "turn_context") this.cwd ??= asId(payload.cwd);
    if (record.type === "event_msg") this.event(payload, id, timestamp);
    if (record.type === "response_item") this.item(payload, id, timestamp);
  }

  private event(payload: PlainObject, id: string, timestamp: string): void {
    let type: "user" | "text" | undefined;
    let content: string | undefined;
    if (payload.type === "user_message" || payload.type === "agent_message") {
      type = payload.type === "user_message" ? "user" : "text";
      content = asString(payload.message);
    }
    const item = asObject(payload.item);
    if (
      payload.type === "item_completed" &&
      (item?.type === "UserMessage" || item?.type === "AgentMessage")
    ) {
      type = item.type === "UserMessage" ? "user" : "text";
      content = textOf(item.content);
    }
    if (!type || content === undefined) return;
    this.sawEventMessages = true;
    // Versions that write both spellings of one message list it once.
    if (this.messages.slice(-3).some((m) => m.type === type && m.content === content && !m.fromModelInput))
      return;
    this.messages.push({ id: asId(item?.id) ?? id, timestamp, type, content });
  }

  private item(payload: PlainObject, id: string, timestamp: string): void {
    const base = { id: asId(payload.id) ?? id, timestamp };
    switch (payload.type) {
      case "function_call":
      case "custom_tool_call":
        this.messages.push({
          ...base,
          type: "tool_use",
          tool_use_id: asString(payload.call_id),
          tool_name: asString(payload.name),
          tool_input: parseArguments(payload.arguments ?? payload.input),
        });
        return;
      case "function_call_output":
      case "custom_tool_call_output": {
        const output = textOf(payload.output) ?? textOf(asObject(payload.output)?.content);
        this.messages.push({
          ...base,
          type: "tool_result",
          tool_use_id: asString(payload.call_id),
          ...(output === undefined ? {} : { content: output, tool_output: output }),
        });
        return;
      }
      case "reasoning": {
        const text = textOf(payload.summary);
        if (text) this.messages.push({ ...base, type: "thinking", content: text });
        return;
      }
      case "message": {
        const text = textOf(asArray(payload.content));
        if (!text || (payload.role !== "user" && payload.role !== "assistant")) return;
        // The CLI's own context (<environment_context>, <user_instructions>) is not the user speaking.
        if (payload.role === "user" && text.trimStart().startsWith("<")) return;
        this.messages.push({
          ...base,
          type: payload.role === "user" ? "user" : "text",
          content: text,
          fromModelInput: true,
        });
        return;
      }
    }
  }

  result() {
    const messages = this.messages
      .filter((m) => !(m.fromModelInput && this.sawEventMessages))
      .map(({ fromModelInput: _, ...m }) => m);
    return { cwd: this.cwd, firstTimestamp: this.firstTimestamp, messages };
  }
}

function parseArguments(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
