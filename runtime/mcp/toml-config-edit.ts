import { StorageError } from "../../storage/errors.js";
import { isPlainObject, type PlainObject } from "../executors/config-shapes.js";
import { type TomlValue, tomlKey, tomlValue } from "../executors/toml-values.js";
import { sameJson } from "./json-config-edit.js";

/*
 * Surgical edits of Codex's config.toml. No well-kept TOML writer keeps comments, so the text is edited per
 * table: the `[mcp_servers.<name>]` table (and its sub-tables) is replaced, inserted or removed as lines,
 * everything else is left byte for byte, and the result is parsed again and compared with what was meant.
 */

async function parseToml(text: string, file: string): Promise<PlainObject> {
  const { parse } = await import("smol-toml");
  try {
    return parse(text) as PlainObject;
  } catch (error) {
    throw new StorageError(
      "corrupt",
      "MCP_CONFIG_INVALID",
      `${file}: not valid TOML (${(error as Error).message.split("\n")[0]}); fix it by hand first`,
      { file },
    );
  }
}

/** The servers under `table` (`mcp_servers`). */
export async function readTomlServers(
  text: string | null,
  table: string,
  file: string,
): Promise<Record<string, PlainObject>> {
  if (text === null || text.trim() === "") return {};
  const servers = (await parseToml(text, file))[table];
  if (servers === undefined) return {};
  if (!isPlainObject(servers)) {
    throw new StorageError("corrupt", "MCP_CONFIG_INVALID", `${file}: '${table}' is not a table`, { file });
  }
  return Object.fromEntries(Object.entries(servers).filter((entry) => isPlainObject(entry[1]))) as Record<
    string,
    PlainObject
  >;
}

interface TableHeader {
  line: number;
  path: string[];
}

/** The key path of a `[a."b c".d]` / `[[a.b]]` header line, or undefined when the line is no header. */
export function headerPath(line: string): string[] | undefined {
  const text = line.trim();
  if (!text.startsWith("[")) return undefined;
  let i = text.startsWith("[[") ? 2 : 1;
  const keys: string[] = [];
  for (;;) {
    while (text[i] === " " || text[i] === "\t") i++;
    const ch = text[i];
    if (ch === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      try {
        keys.push(JSON.parse(text.slice(i, end + 1)) as string);
      } catch {
        return undefined;
      }
      i = end + 1;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      keys.push(text.slice(i + 1, end));
      i = end + 1;
    } else {
      const bare = /^[A-Za-z0-9_-]+/.exec(text.slice(i))?.[0];
      if (!bare) return undefined;
      keys.push(bare);
      i += bare.length;
    }
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === ".") {
      i++;
      continue;
    }
    return text[i] === "]" ? keys : undefined;
  }
}

/** Table headers outside multi-line strings, in order. */
function tableHeaders(lines: readonly string[]): TableHeader[] {
  const headers: TableHeader[] = [];
  let openQuote: string | undefined;
  lines.forEach((line, index) => {
    if (openQuote === undefined) {
      const path = headerPath(line);
      if (path) headers.push({ line: index, path });
    }
    for (const quote of line.match(/"""|'''/g) ?? []) {
      if (openQuote === undefined) openQuote = quote;
      else if (openQuote === quote) openQuote = undefined;
    }
  });
  return headers;
}

const isBlankOrComment = (line: string) => /^\s*(#.*)?$/.test(line);

/** `[first, end)` line ranges of the tables of one server; trailing blank and comment lines stay with what follows. */
function serverRanges(lines: readonly string[], table: string, name: string): [number, number][] {
  const headers = tableHeaders(lines);
  const ranges: [number, number][] = [];
  headers.forEach((header, index) => {
    if (header.path[0] !== table || header.path[1] !== name) return;
    let end = headers[index + 1]?.line ?? lines.length;
    while (end > header.line + 1 && isBlankOrComment(lines[end - 1] ?? "")) end--;
    ranges.push([header.line, end]);
  });
  return ranges;
}

function renderValue(value: unknown): string {
  if (value instanceof Date) return String(value);
  return tomlValue(value as TomlValue);
}

/** One `[table.name]` table; nested maps (env, headers) as inline tables. */
function renderServer(table: string, name: string, server: PlainObject): string[] {
  const lines = [`[${tomlKey(table)}.${tomlKey(name)}]`];
  for (const [key, value] of Object.entries(server)) {
    if (value === undefined || value === null) continue;
    lines.push(`${tomlKey(key)} = ${renderValue(value)}`);
  }
  return lines;
}

function withoutEmptyTable(parsed: PlainObject, table: string): PlainObject {
  const servers = parsed[table];
  if (isPlainObject(servers) && Object.keys(servers).length === 0) {
    const { [table]: _dropped, ...rest } = parsed;
    return rest;
  }
  return parsed;
}

/**
 * The file's text with server `name` of `table` set to `value` (undefined removes it). A server written
 * inline (dotted keys or an inline table rather than its own `[table.name]` header) is refused: it cannot
 * be replaced without rewriting what surrounds it.
 */
export async function setTomlServer(
  text: string | null,
  table: string,
  name: string,
  value: PlainObject | undefined,
  file: string,
): Promise<string> {
  const source = text ?? "";
  const before = source.trim() === "" ? {} : await parseToml(source, file);
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const lines = source === "" ? [] : source.split(/\r?\n/);
  const hadFinalNewline = source === "" || source.endsWith("\n");
  if (hadFinalNewline && lines.length > 0) lines.pop();
  const ranges = serverRanges(lines, table, name);
  const existing = isPlainObject(before[table]) ? before[table][name] : undefined;
  if (existing !== undefined && ranges.length === 0) {
    throw new StorageError(
      "conflict",
      "MCP_CONFIG_INLINE_SERVER",
      `${file}: server '${name}' is written inline, not as its own [${table}.${name}] table; edit it by hand`,
      { file, name },
    );
  }
  const rendered = value === undefined ? [] : renderServer(table, name, value);
  let next: string[];
  if (ranges.length > 0) {
    const [firstStart] = ranges[0]!;
    next = [];
    let cursor = 0;
    for (const [start, end] of ranges) {
      next.push(...lines.slice(cursor, start));
      if (start === firstStart) next.push(...rendered);
      cursor = end;
    }
    next.push(...lines.slice(cursor));
    if (value === undefined) next = collapseBlankRuns(next, firstStart);
  } else {
    next = [...lines];
    while (next.length > 0 && next[next.length - 1]!.trim() === "") next.pop();
    if (next.length > 0 && rendered.length > 0) next.push("");
    next.push(...rendered);
  }
  const result = next.length === 0 ? "" : `${next.join(eol)}${eol}`;

  const after = withoutEmptyTable(result.trim() === "" ? {} : await parseToml(result, file), table);
  const servers = isPlainObject(before[table]) ? { ...before[table] } : {};
  if (value === undefined) delete servers[name];
  else servers[name] = value;
  const expected = withoutEmptyTable({ ...before, [table]: servers }, table);
  if (!sameJson(after, expected)) {
    throw new StorageError(
      "conflict",
      "MCP_CONFIG_EDIT_FAILED",
      `${file}: the [${table}.${name}] table could not be edited without touching the rest; edit it by hand`,
      { file, name },
    );
  }
  return result;
}

/** After a removal, two blank lines meeting where the table was become one. */
function collapseBlankRuns(lines: string[], at: number): string[] {
  const out = [...lines];
  while (at > 0 && at < out.length && out[at - 1]!.trim() === "" && out[at]!.trim() === "") out.splice(at, 1);
  if (at >= out.length) while (out.length > 0 && out[out.length - 1]!.trim() === "") out.pop();
  return out;
}
