import type { NativeSessionMessage } from "../../../handlers/capabilities/native-sessions.js";
import type { ExecutorId } from "../../../storage/executor-types.js";
import type { PlainObject } from "../config-shapes.js";
import type { EnvRecord } from "../locations.js";

/** One log file found under an executor's data directory. */
export interface NativeLogFile {
  id: string;
  path: string;
  /** The workspace the file's location encodes (Claude Code's project folder), where the format has one. */
  locationKey?: string;
}

/** What a log's records say, in order: its directory, first time and conversation. */
export interface NativeLogContent {
  cwd?: string;
  firstTimestamp?: string;
  messages: NativeSessionMessage[];
}

export interface NativeLogReader {
  record(record: PlainObject): void;
  result(): NativeLogContent;
}

/**
 * One executor's session log format: where its logs live, how to find them and how to read one. Adding
 * a format is adding a file next to this one and a line in store.ts.
 */
export interface NativeSessionFormat {
  readonly executor: ExecutorId;
  /** The executor's own data directory holding the logs. */
  root(home: string, env: EnvRecord): string;
  /** The shape of a session id, checked before any path is built from one. */
  readonly idPattern: RegExp;
  /** Every log under the (real) root, from directory listings only; symbolic links are not followed. */
  files(root: string): Promise<NativeLogFile[]>;
  /** The log of one (valid) id, or undefined. */
  find(root: string, id: string): Promise<NativeLogFile | undefined>;
  /** How a workspace path appears as a `locationKey`, for formats whose location encodes it. */
  locationKeyOf?(workspacePath: string): string;
  createReader(): NativeLogReader;
}

/** Text of a content value that is a string or a list of text blocks (tool results, Codex items). */
export function textOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return undefined;
  const parts = value.flatMap((block) =>
    typeof block === "object" && block !== null && typeof (block as PlainObject).text === "string"
      ? [(block as PlainObject).text as string]
      : [],
  );
  return parts.length > 0 ? parts.join("\n") : undefined;
}

/** Session ids as the CLIs make them (UUIDs): no separators, dots or anything a path could be built from. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
