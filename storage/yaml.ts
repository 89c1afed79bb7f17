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

/**
 * A stored document's data: JSON (how the gateway writes its own records, see DocumentStore.updateRecord)
 * without the YAML parser, anything else as YAML. Both read the same: JSON is YAML.
 */
export function parseDocumentText(text: string, key: string): Record<string, unknown> {
  if (text.startsWith("{")) {
    try {
      const value = JSON.parse(text) as unknown;
      if (value !== null && typeof value === "object" && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // A YAML flow mapping, or broken: the YAML parser reads it or names the problem.
    }
  }
  return yamlToObject(parseYamlDocument(text, key));
}

/** `current` with a shallow patch applied as applyPatch does, as a new object. */
export function patchedObject(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const next = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete next[field];
    else next[field] = value;
  }
  return next;
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
