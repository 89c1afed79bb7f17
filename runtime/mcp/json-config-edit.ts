import type { FormattingOptions, ParseError } from "jsonc-parser";
import { StorageError } from "../../storage/errors.js";
import { isPlainObject, type PlainObject } from "../executors/config-shapes.js";

/*
 * Edits of an executor's JSON / JSONC settings file that touch only the one server entry: jsonc-parser
 * computes the minimal text edit, so comments, key order and formatting elsewhere survive. The parser
 * loads on first use (start-up time matters).
 */

type JsoncParser = typeof import("jsonc-parser");
let parser: Promise<JsoncParser> | undefined;
const loadParser = (): Promise<JsoncParser> => {
  parser ??= import("jsonc-parser");
  return parser;
};

/** The whole file as a value; a file that does not parse is refused rather than rewritten. */
async function parseStrict(text: string, file: string): Promise<unknown> {
  const { parse, printParseErrorCode } = await loadParser();
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    throw new StorageError(
      "corrupt",
      "MCP_CONFIG_INVALID",
      `${file}: not valid JSON (${printParseErrorCode(first.error)} at offset ${first.offset}); fix it by hand first`,
      { file },
    );
  }
  return value;
}

/** The server map at `keyPath` (empty when the file or the key is absent). */
export async function readJsonServers(
  text: string | null,
  keyPath: readonly string[],
  file: string,
): Promise<Record<string, PlainObject>> {
  if (text === null || text.trim() === "") return {};
  const root = await parseStrict(text, file);
  if (root !== undefined && !isPlainObject(root)) {
    throw new StorageError("corrupt", "MCP_CONFIG_INVALID", `${file}: the top level is not an object`, {
      file,
    });
  }
  let current: unknown = root;
  for (const key of keyPath) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return {};
    current = current[key];
  }
  if (current === undefined || current === null) return {};
  if (!isPlainObject(current)) {
    throw new StorageError(
      "corrupt",
      "MCP_CONFIG_INVALID",
      `${file}: '${keyPath.join(".")}' is not an object of servers`,
      { file, key: keyPath.join(".") },
    );
  }
  return Object.fromEntries(Object.entries(current).filter((entry) => isPlainObject(entry[1]))) as Record<
    string,
    PlainObject
  >;
}

/** Indentation as the file already uses it (two spaces for a new file). */
function formattingOf(text: string): FormattingOptions {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const indented = /^([ \t]+)\S/m.exec(text)?.[1];
  if (indented?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol };
  return { insertSpaces: true, tabSize: indented ? indented.length : 2, eol };
}

/**
 * The file's text with the server `name` under `keyPath` set to `value` (undefined removes it), and
 * nothing else changed. The result is parsed again to make sure the edit landed where it was meant to.
 */
export async function setJsonServer(
  text: string | null,
  keyPath: readonly string[],
  name: string,
  value: PlainObject | undefined,
  file: string,
): Promise<string> {
  const { modify, applyEdits } = await loadParser();
  const source = text === null || text.trim() === "" ? "{}\n" : text;
  const before = await readJsonServers(source, keyPath, file);
  const edits = modify(source, [...keyPath, name], value, { formattingOptions: formattingOf(source) });
  const next = applyEdits(source, edits);
  const after = await readJsonServers(next, keyPath, file);
  const expected = { ...before };
  if (value === undefined) delete expected[name];
  else expected[name] = value;
  if (!sameJson(after, expected)) {
    throw new StorageError(
      "conflict",
      "MCP_CONFIG_EDIT_FAILED",
      `${file}: the edit could not be applied cleanly`,
      {
        file,
      },
    );
  }
  return next;
}

/** Order-insensitive deep equality of JSON values. */
export function sameJson(a: unknown, b: unknown): boolean {
  // TOML dates parse to Date objects; compare them by their text.
  if (a instanceof Date || b instanceof Date) return String(a) === String(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return a === b;
}
