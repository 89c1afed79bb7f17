import { isPlainObject, type PlainObject } from "./config-shapes.js";

/** Narrowing readers for parsed JSON of unknown shape: each answers undefined (or []) instead of throwing. */

export function asObject(value: unknown): PlainObject | undefined {
  return isPlainObject(value) ? value : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A non-empty string, for ids and names where "" means absent. */
export function asId(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
