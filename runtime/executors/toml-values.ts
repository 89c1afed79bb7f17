/** TOML values for Codex's `-c key=value` overrides, whose value part is parsed as TOML. */
export type TomlValue =
  | string
  | number
  | boolean
  | readonly TomlValue[]
  | { readonly [key: string]: TomlValue };

/** A TOML basic string. JSON's escapes are valid TOML; DEL is the one control character JSON leaves raw. */
export function tomlString(text: string): string {
  return JSON.stringify(text).replaceAll("\u007f", "\\u007f");
}

/** A bare key when TOML allows one, else a quoted key. */
export function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : tomlString(key);
}

/** A value on one line: arrays and inline tables, as `-c` takes a single line. */
export function tomlValue(value: TomlValue): string {
  if (typeof value === "string") return tomlString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => tomlValue(item)).join(", ")}]`;
  const entries = Object.entries(value as { readonly [key: string]: TomlValue });
  return `{${entries.map(([key, item]) => `${tomlKey(key)} = ${tomlValue(item)}`).join(", ")}}`;
}
