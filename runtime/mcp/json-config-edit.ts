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

/** The whitespace a line starts with, for the line holding `offset`. */
function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}

/** `value` as JSON in the file's style, its continuation lines indented below `indent`. */
function pretty(value: unknown, indent: string, options: FormattingOptions): string {
  const unit = options.insertSpaces ? " ".repeat(options.tabSize ?? 2) : "\t";
  return JSON.stringify(value, null, unit).replaceAll("\n", `${options.eol ?? "\n"}${indent}`);
}

// jsonc-parser's SyntaxKind is a const enum, not a runtime value: comments, line breaks and spaces; the comma.
const TRIVIA = new Set([12, 13, 14, 15]);
const COMMA = 5;

/** Offset just past a comma that follows `offset` (whitespace and comments between), or undefined. */
function commaAfter(text: string, offset: number, scan: JsoncParser["createScanner"]): number | undefined {
  const scanner = scan(text, false);
  scanner.setPosition(offset);
  for (;;) {
    const token = scanner.scan();
    if (TRIVIA.has(token)) continue;
    return token === COMMA ? scanner.getTokenOffset() + scanner.getTokenLength() : undefined;
  }
}

/**
 * The minimal edit: a replaced server's value is swapped where it stands, a new one goes after the last
 * server on a line of its own, indented as its siblings; only what is missing (the map itself, an empty
 * map) is left to jsonc-parser's formatter. Removal is jsonc-parser's, which takes the entry and its comma.
 */
async function serverEdits(
  source: string,
  keyPath: readonly string[],
  name: string,
  value: PlainObject | undefined,
): Promise<{ offset: number; length: number; content: string }[]> {
  const jsonc = await loadParser();
  const formatting = formattingOf(source);
  const tree = jsonc.parseTree(source, [], { allowTrailingComma: true });
  const container = tree ? jsonc.findNodeAtLocation(tree, [...keyPath]) : undefined;
  const existing = tree ? jsonc.findNodeAtLocation(tree, [...keyPath, name]) : undefined;
  if (value !== undefined && existing?.parent) {
    const indent = lineIndent(source, existing.parent.offset);
    return [{ offset: existing.offset, length: existing.length, content: pretty(value, indent, formatting) }];
  }
  const last = container?.type === "object" ? container.children?.at(-1) : undefined;
  if (value !== undefined && last) {
    const indent = lineIndent(source, last.offset);
    const entry = `${JSON.stringify(name)}: ${pretty(value, indent, formatting)}`;
    const end = last.offset + last.length;
    const trailingComma = commaAfter(source, end, jsonc.createScanner);
    // A trailing comma (JSONC) stays the last thing: the new entry goes after it and carries its own.
    return trailingComma === undefined
      ? [{ offset: end, length: 0, content: `,${formatting.eol}${indent}${entry}` }]
      : [{ offset: trailingComma, length: 0, content: `${formatting.eol}${indent}${entry},` }];
  }
  return jsonc.modify(source, [...keyPath, name], value, {
    formattingOptions: value === undefined ? undefined : formatting,
  });
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
  const { applyEdits } = await loadParser();
  const source = text === null || text.trim() === "" ? "{}\n" : text;
  const before = await readJsonServers(source, keyPath, file);
  const next = applyEdits(source, await serverEdits(source, keyPath, name, value));
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
