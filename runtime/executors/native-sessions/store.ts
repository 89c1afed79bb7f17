import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, resolve, sep } from "node:path";
import type {
  NativeSession,
  NativeSessionStore,
  NativeSessionSummary,
} from "../../../handlers/capabilities/native-sessions.js";
import { invalid, notFound } from "../../../storage/errors.js";
import type { ExecutorId } from "../../../storage/executor-types.js";
import { titleFrom } from "../../../storage/sessions.js";
import type { EnvRecord } from "../locations.js";
import { claudeCodeSessions } from "./claude-code.js";
import { codexSessions } from "./codex.js";
import type { NativeLogContent, NativeLogFile, NativeSessionFormat } from "./format.js";
import { geminiSessions } from "./gemini.js";
import { readHeadJsonLines, readJsonLines } from "./jsonl-file.js";

const FORMATS: readonly NativeSessionFormat[] = [claudeCodeSessions, codexSessions, geminiSessions];

// A listing reads whole logs up to this size (to count their messages) and only the head of bigger ones.
const COUNT_LIMIT_BYTES = 8 * 1024 * 1024;
const HEAD_BYTES = 1024 * 1024;

interface Located extends NativeLogFile {
  mtimeMs: number;
  birthtime: Date;
  size: number;
}

/**
 * The Node reader of the executors' own session logs. Everything read is found by listing the
 * executor's data directory (never by joining a requested path), links are not followed, and each file
 * is checked to lie inside that directory before it is opened.
 */
export function createNativeSessionStore(options: { home: string; env: EnvRecord }): NativeSessionStore {
  const formatOf = (executor: ExecutorId): NativeSessionFormat => {
    const format = FORMATS.find((f) => f.executor === executor);
    if (!format)
      throw notFound(
        "NATIVE_SESSIONS_UNSUPPORTED",
        `the gateway does not read ${executor}'s own session logs (it reads ${FORMATS.map((f) => f.executor).join(", ")})`,
        { executor_type: executor },
      );
    return format;
  };

  /** The real data directory, or undefined when the executor has written none yet. */
  const rootOf = async (format: NativeSessionFormat) => {
    try {
      return await realpath(format.root(options.home, options.env));
    } catch {
      return undefined;
    }
  };

  const locate = async (root: string, file: NativeLogFile): Promise<Located | undefined> => {
    const stat = await lstat(file.path).catch(() => undefined);
    if (!stat?.isFile() || !resolve(file.path).startsWith(root + sep)) return undefined;
    return { ...file, mtimeMs: stat.mtimeMs, birthtime: stat.birthtime, size: stat.size };
  };

  const readAll = async (format: NativeSessionFormat, path: string): Promise<NativeLogContent> => {
    const reader = format.createReader();
    for await (const record of readJsonLines(path)) reader.record(record);
    return reader.result();
  };

  const readHead = async (format: NativeSessionFormat, path: string): Promise<NativeLogContent> => {
    const reader = format.createReader();
    for (const record of await readHeadJsonLines(path, HEAD_BYTES)) reader.record(record);
    return reader.result();
  };

  const summary = (
    format: NativeSessionFormat,
    file: Located,
    content: NativeLogContent,
    counted: boolean,
    knownCwd?: string,
  ): NativeSessionSummary => {
    const first = content.messages.find((m) => m.type === "user" && m.content)?.content;
    const cwd = content.cwd ?? knownCwd ?? "";
    const created = content.firstTimestamp ?? file.birthtime.toISOString();
    return {
      id: file.id,
      executor_type: format.executor,
      workspace_path: cwd,
      cwd,
      created_at: Number.isNaN(Date.parse(created)) ? file.birthtime.toISOString() : created,
      updated_at: new Date(file.mtimeMs).toISOString(),
      ...(first ? { name: titleFrom(first) } : {}),
      ...(counted ? { message_count: content.messages.length } : {}),
      size_bytes: file.size,
    };
  };

  const summarize = async (format: NativeSessionFormat, file: Located, knownCwd?: string) => {
    const counted = file.size <= COUNT_LIMIT_BYTES;
    return summary(format, file, await (counted ? readAll : readHead)(format, file.path), counted, knownCwd);
  };

  /**
   * The directory a caller names for a log that does not record its own (Gemini: only a hash of it), when
   * the log's location confirms it; a name that does not match is refused.
   */
  const confirmedCwd = (format: NativeSessionFormat, file: Located, named: string | undefined) => {
    if (named === undefined || !format.locationKeyOf) return undefined;
    if (!isAbsolute(named)) throw invalid("workdir", "must be an absolute path");
    if (format.locationKeyOf(named) === file.locationKey) return resolve(named);
    throw invalid("workdir", `${format.executor} session '${file.id}' did not run in ${named}`, {
      session_id: file.id,
    });
  };

  return {
    executors: FORMATS.map((f) => f.executor),

    async list(executor, { workspacePath, offset, limit }) {
      const format = formatOf(executor);
      const root = await rootOf(format);
      if (!root) return { sessions: [], total: 0 };
      const found = await Promise.all((await format.files(root)).map((file) => locate(root, file)));
      let files = found.filter((f): f is Located => f !== undefined);
      if (workspacePath !== undefined) {
        const wanted = resolve(workspacePath);
        const keyOf = format.locationKeyOf;
        files = keyOf
          ? files.filter((f) => f.locationKey === keyOf(wanted))
          : (
              await Promise.all(
                files.map(async (f) => ((await readHead(format, f.path)).cwd === wanted ? [f] : [])),
              )
            ).flat();
      }
      files.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? -1 : 1));
      const page = files.slice(offset, offset + limit);
      // A location that encodes the workspace (Gemini's project hash) tells a log's directory once matched.
      const known = workspacePath === undefined || !format.locationKeyOf ? undefined : resolve(workspacePath);
      return {
        sessions: await Promise.all(page.map((f) => summarize(format, f, known))),
        total: files.length,
      };
    },

    async read(executor, sessionId, options = {}): Promise<NativeSession> {
      const format = formatOf(executor);
      if (!format.idPattern.test(sessionId))
        throw invalid("session_id", "must be the executor's session id (letters, digits, '-' and '_')", {
          value: sessionId.slice(0, 200),
        });
      const root = await rootOf(format);
      const hit = root ? await format.find(root, sessionId) : undefined;
      const file = root && hit ? await locate(root, hit) : undefined;
      if (!file)
        throw notFound(
          "NATIVE_SESSION_NOT_FOUND",
          `${executor} has no session '${sessionId}' on this machine`,
          {
            executor_type: executor,
            session_id: sessionId,
          },
        );
      const content = await readAll(format, file.path);
      const cwd = content.cwd === undefined ? confirmedCwd(format, file, options.cwd) : undefined;
      return { summary: summary(format, file, content, true, cwd), messages: content.messages };
    },
  };
}
