import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { NativeSessionMessage } from "../../../handlers/capabilities/native-sessions.js";
import { gemini } from "../adapters/gemini.js";
import type { PlainObject } from "../config-shapes.js";
import { asArray, asId, asObject, asString } from "../json-values.js";
import { type EnvRecord, pathRoots } from "../locations.js";
import {
  type NativeLogFile,
  type NativeLogReader,
  type NativeSessionFormat,
  SESSION_ID_PATTERN,
} from "./format.js";
import { readHeadJsonLines } from "./jsonl-file.js";

const SESSION_FILE = /^session-.+-([A-Za-z0-9_-]{1,8})\.jsonl$/;
const HEAD_BYTES = 64 * 1024;

/** The session id and project hash of a log: its first line. */
async function metadataOf(path: string): Promise<{ sessionId: string; projectHash?: string } | undefined> {
  const first = (await readHeadJsonLines(path, HEAD_BYTES).catch(() => []))[0];
  const sessionId = asId(first?.sessionId);
  return sessionId ? { sessionId, projectHash: asString(first?.projectHash) } : undefined;
}

/** Every `<root>/<project>/chats/session-*.jsonl`, plain directories and files only, with its short id. */
async function sessionFiles(root: string): Promise<{ path: string; shortId: string }[]> {
  const found: { path: string; shortId: string }[] = [];
  for (const project of await readdir(root, { withFileTypes: true })) {
    if (!project.isDirectory()) continue;
    const chats = join(root, project.name, "chats");
    for (const entry of await readdir(chats, { withFileTypes: true }).catch(() => [])) {
      const shortId = entry.isFile() ? SESSION_FILE.exec(entry.name)?.[1] : undefined;
      if (shortId) found.push({ path: join(chats, entry.name), shortId });
    }
  }
  return found;
}

async function withMetadata(file: { path: string }): Promise<NativeLogFile | undefined> {
  const meta = await metadataOf(file.path);
  if (!meta || !SESSION_ID_PATTERN.test(meta.sessionId)) return undefined;
  return { id: meta.sessionId, path: file.path, locationKey: meta.projectHash };
}

/**
 * Gemini CLI (0.2x and later, JSONL): `~/.gemini/tmp/<project>/chats/session-<time>-<first 8 of id>.jsonl`.
 * The first line is `{sessionId, projectHash, startTime, ...}`; then message records `{id, timestamp,
 * type: user|gemini|info|error|warning, content, toolCalls?, thoughts?}`, where a record repeating an id
 * replaces that message, `{$rewindTo: id}` drops it and those after it, and `{$set}` changes metadata.
 * The log names its directory only as `projectHash` (SHA-256 of the path), so its cwd is known only when
 * the caller names the directory (`workdir` on import). Sub-agent logs (in sub-folders) and the older
 * one-JSON-document `.json` files are not read.
 */
export const geminiSessions: NativeSessionFormat = {
  executor: "GEMINI",
  idPattern: SESSION_ID_PATTERN,
  root(home: string, env: EnvRecord) {
    return join(pathRoots(gemini, home, env, home).globalConfig, "tmp");
  },
  async files(root) {
    const files = await Promise.all((await sessionFiles(root)).map(withMetadata));
    return files.filter((f): f is NativeLogFile => f !== undefined);
  },
  async find(root, id) {
    for (const file of await sessionFiles(root)) {
      if (!id.startsWith(file.shortId)) continue;
      const located = await withMetadata(file);
      if (located?.id === id) return located;
    }
    return undefined;
  },
  locationKeyOf(workspacePath) {
    return createHash("sha256").update(resolve(workspacePath)).digest("hex");
  },
  createReader: () => new GeminiLogReader(),
};

/** Text of a Gemini content value: a string, a part `{text}`, or a list of either. */
function partsText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  const parts = Array.isArray(value) ? value : [value];
  const texts = parts.flatMap((part) => {
    if (typeof part === "string") return [part];
    const obj = asObject(part);
    if (typeof obj?.text === "string") return [obj.text];
    const response = asObject(asObject(obj?.functionResponse)?.response);
    if (response) return [typeof response.output === "string" ? response.output : JSON.stringify(response)];
    return [];
  });
  return texts.length > 0 ? texts.join("") : undefined;
}

class GeminiLogReader implements NativeLogReader {
  private firstTimestamp?: string;
  // Insertion order is the conversation's; a repeated id updates the message in place.
  private readonly records = new Map<string, PlainObject>();

  record(record: PlainObject): void {
    if (typeof record.sessionId === "string") this.firstTimestamp ??= asString(record.startTime);
    const rewindTo = asString(record.$rewindTo);
    if (rewindTo !== undefined) {
      const ids = [...this.records.keys()];
      const from = ids.indexOf(rewindTo);
      for (const id of from === -1 ? ids : ids.slice(from)) this.records.delete(id);
      return;
    }
    const id = asId(record.id);
    if (id && typeof record.type === "string") this.records.set(id, record);
  }

  result() {
    const messages: NativeSessionMessage[] = [];
    for (const [id, r] of this.records) {
      const timestamp = asString(r.timestamp) ?? "";
      this.firstTimestamp ??= timestamp || undefined;
      const text = partsText(r.content);
      if (r.type === "user" && text) messages.push({ id, timestamp, type: "user", content: text });
      if (r.type !== "gemini") continue;
      asArray(r.thoughts).forEach((raw, i) => {
        const thought = asObject(raw);
        const content = [asString(thought?.subject), asString(thought?.description)]
          .filter(Boolean)
          .join(": ");
        if (content) messages.push({ id: `${id}-thought-${i}`, timestamp, type: "thinking", content });
      });
      if (text) messages.push({ id, timestamp, type: "text", content: text });
      asArray(r.toolCalls).forEach((raw, i) => {
        const call = asObject(raw);
        if (!call) return;
        const callId = asString(call.id) ?? `${id}-tool-${i}`;
        const at = asString(call.timestamp) ?? timestamp;
        messages.push({
          id: `${callId}-use`,
          timestamp: at,
          type: "tool_use",
          tool_use_id: callId,
          tool_name: asString(call.name),
          tool_input: call.args,
        });
        if (call.result === undefined || call.result === null) return;
        const output = partsText(call.result);
        messages.push({
          id: `${callId}-result`,
          timestamp: at,
          type: "tool_result",
          tool_use_id: callId,
          ...(output === undefined ? {} : { content: output, tool_output: output }),
          is_error: call.status === "error",
        });
      });
    }
    return { firstTimestamp: this.firstTimestamp, messages };
  }
}
