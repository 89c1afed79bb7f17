import type { ConfigFormat } from "./types.js";

/**
 * Parses a configuration file's text, or returns undefined when it is malformed: a broken hand edit must
 * make a count 0, never fail a listing. JSON files may carry comments and trailing commas, as several CLIs
 * (Gemini, OpenCode, VS Code-style settings) accept them. The TOML parser loads with the first TOML file.
 */
export async function parseConfigText(text: string, format: ConfigFormat): Promise<unknown> {
  try {
    if (format !== "toml") return parseJsonWithComments(text);
    const { parse } = await import("smol-toml");
    return parse(text);
  } catch {
    return undefined;
  }
}

function parseJsonWithComments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(dropTrailingCommas(stripComments(text)));
  }
}

/** Removes `//` and `/* *\/` comments outside string literals. */
function stripComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (ch === "/" && text[i + 1] === "/") {
      const newline = text.indexOf("\n", i);
      i = newline === -1 ? text.length : newline;
    } else if (ch === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? text.length : close + 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Removes a comma that directly precedes `}` or `]` (whitespace aside), outside string literals. */
function dropTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (ch === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === "}" || text[j] === "]") {
        i++;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

/** Index just past the string literal opening at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === "\\") i += 2;
    else if (text[i] === '"') return i + 1;
    else i++;
  }
  return text.length;
}
