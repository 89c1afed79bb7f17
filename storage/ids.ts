import { invalid } from "./errors.js";

/**
 * IDs become file and directory names, and unstorage treats `:` and `/` as key separators and cuts keys
 * at `?`; so these characters, path traversal, NUL and control characters are refused. Any other Unicode
 * (e.g. `本地助手`) is a valid id.
 */
const FORBIDDEN = /[/\\:?#*"<>|\u0000-\u001f\u007f]/u;
// A surrogate not in a pair (a `\ud800` escape in JSON) has no UTF-8 form: as a file name it would become
// U+FFFD, so the stored id would differ from the one answered and every later lookup would miss it.
const LONE_SURROGATE = /[\ud800-\udfff]/u;
export const MAX_ID_LENGTH = 128;

export function idProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return "must be a string";
  if (id.length === 0) return "must not be empty";
  if (id.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`;
  if (id.trim() !== id) return "must not start or end with whitespace";
  if (id === "." || id.includes("..")) return "must not contain '..'";
  if (id.startsWith(".")) return "must not start with '.'";
  if (id.startsWith("/") || /^[A-Za-z]:/.test(id)) return "must not be an absolute path";
  if (LONE_SURROGATE.test(id)) return "must be well-formed Unicode (no unpaired surrogate)";
  const bad = FORBIDDEN.exec(id);
  if (bad) return `must not contain ${JSON.stringify(bad[0])}`;
  return undefined;
}

export function assertValidId(id: unknown, field = "id"): string {
  const problem = idProblem(id);
  if (problem) throw invalid(field, problem, { value: typeof id === "string" ? id : undefined });
  return id as string;
}

/** Derives an id from a display name: lower case, whitespace to '-', forbidden characters dropped. */
export function idFromName(name: string): string {
  const slug = name
    .normalize("NFC")
    .trim()
    .toLowerCase()
    .replace(/[/\\:?#*"<>|\u0000-\u001f\u007f\ud800-\udfff]+/gu, " ")
    .replace(/\.{2,}/g, ".")
    .replace(/\s+/gu, "-")
    .replace(/-+/g, "-")
    .replace(/^[-.]+|-+$/g, "")
    .slice(0, MAX_ID_LENGTH);
  return slug;
}
