/** Pure helpers for reading hand-edited configuration values of unknown shape. */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a key path, or undefined when any step is missing or not an object. */
export function valueAt(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** Entries of a server map (`{name: {...}}`); anything that is not an object counts 0. */
export function countEntries(value: unknown): number {
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

/** The common case: servers under one key path of the file. */
export function serversAt(...keys: string[]): (parsed: unknown) => number {
  return (parsed) => countEntries(valueAt(parsed, ...keys));
}
