import { Document, isMap, parseDocument } from "yaml";
import { StorageError } from "./errors.js";

/**
 * YAML codec. Updates are applied onto the parsed document rather than re-serialising a plain object, so
 * keys and comments that a user wrote by hand survive an update through the API.
 */
export function parseYamlDocument(text: string, key: string): Document {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new StorageError("corrupt", "INVALID_YAML", `${key}: ${doc.errors[0]?.message ?? "invalid YAML"}`, {
      key,
    });
  }
  return doc;
}

export function yamlToObject(doc: Document): Record<string, unknown> {
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) return {};
  return value as Record<string, unknown>;
}

/** Applies a shallow patch: `undefined` leaves a key, `null` deletes it, anything else replaces it. */
export function applyPatch(doc: Document, patch: Record<string, unknown>): void {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) doc.delete(field);
    else doc.set(field, doc.createNode(value));
  }
}

export function newYamlDocument(value: Record<string, unknown>): Document {
  return new Document(value);
}

export function stringifyYaml(doc: Document): string {
  return doc.toString({ lineWidth: 0 });
}
