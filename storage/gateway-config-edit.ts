import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap } from "yaml";
import { DomainError, invalid } from "./errors.js";
import { compileGatewayConfig, type GatewayConfig } from "./gateway-config.js";
import { REDACTED, redactSecret } from "./rules/redact.js";

/**
 * gateway.yaml edited over the API: shown with every secret masked, changed by replacing or merge-patching
 * the parsed document (so comments and hand-written keys on untouched nodes survive), validated by the same
 * schema the gateway loads it with, and masked values sent back keep what is stored.
 */

/** Fields whose string values are secrets wherever they appear (`api_keys[].key`, `hooks.tokens[].token`, …). */
const SECRET_FIELD =
  /^(key|hash|token|secret|password|api_key|apikey|client_secret|access_token|refresh_token)$|_(token|secret|password|key)$/i;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A copy of the configuration data with every secret masked (`${VAR}` references shown as they are). */
export function redactConfigData(value: unknown, field?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => redactConfigData(item));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfigData(v, k)]));
  }
  if (field !== undefined && SECRET_FIELD.test(field) && typeof value === "string")
    return redactSecret(value);
  return value;
}

/** The document's text with every secret masked; comments and layout are kept. */
export function redactConfigText(text: string): string {
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return "";
  maskNode(doc.contents);
  return doc.toString({ lineWidth: 0 });
}

function maskNode(node: unknown): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && SECRET_FIELD.test(key) && isScalar(pair.value)) {
        if (typeof pair.value.value === "string") pair.value.value = redactSecret(pair.value.value);
      } else maskNode(pair.value);
    }
  } else if (isSeq(node)) for (const item of node.items) maskNode(item);
}

/** Parses YAML text sent to replace the file; a syntax error is a 400 naming the line. */
export function parseConfigText(text: string): Document {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw invalid("content", `is not valid YAML: ${doc.errors[0]?.message ?? "syntax error"}`);
  }
  return doc;
}

/**
 * Makes `doc` hold `value`, touching only what differs: unchanged nodes keep their comments and style, keys
 * not in `value` go.
 */
export function replaceDocument(doc: Document, value: Record<string, unknown>): void {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
  replaceMap(doc, doc.contents as YAMLMap, value);
}

function replaceMap(doc: Document, map: YAMLMap, value: Record<string, unknown>): void {
  for (const pair of [...map.items]) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!(key in value)) map.delete(pair.key);
  }
  for (const [key, next] of Object.entries(value)) {
    const node = map.get(key, true);
    if (isMap(node) && isPlainObject(next)) replaceMap(doc, node, next);
    else if (!sameValue(node, next)) map.set(key, doc.createNode(next));
  }
}

/** RFC 7396 JSON merge patch onto the document: null deletes, objects merge, anything else replaces. */
export function mergePatchDocument(doc: Document, patch: Record<string, unknown>): void {
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as typeof doc.contents;
  patchMap(doc, doc.contents as YAMLMap, patch);
}

function patchMap(doc: Document, map: YAMLMap, patch: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(patch)) {
    const node = map.get(key, true);
    if (value === null) map.delete(key);
    else if (isPlainObject(value) && isMap(node)) patchMap(doc, node, value);
    else if (isPlainObject(value)) {
      const fresh = doc.createNode({}) as YAMLMap;
      patchMap(doc, fresh, value);
      map.set(key, fresh);
    } else if (!sameValue(node, value)) map.set(key, doc.createNode(value));
  }
}

function sameValue(node: unknown, value: unknown): boolean {
  if (node === undefined) return false;
  const current = isScalar(node) ? node.value : (node as { toJSON?: () => unknown }).toJSON?.();
  return JSON.stringify(current) === JSON.stringify(value);
}

/**
 * Puts stored secrets back where a client sent the mask (`***`) it was shown: by field name in maps and, in
 * lists, by the item's `name` (else its position). A mask with nothing stored behind it is refused.
 */
export function restoreMaskedSecrets(doc: Document, stored: Record<string, unknown>): void {
  restoreNode(doc.contents, stored, []);
}

function restoreNode(node: unknown, stored: unknown, path: (string | number)[]): void {
  if (isMap(node)) {
    const storedMap = isPlainObject(stored) ? stored : undefined;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) continue;
      if (isScalar(pair.value) && pair.value.value === REDACTED && SECRET_FIELD.test(key)) {
        const original = storedMap?.[key];
        if (typeof original !== "string") {
          throw invalid(
            [...path, key].join("."),
            `is the mask '${REDACTED}' but nothing is stored there to keep; send the value itself`,
          );
        }
        pair.value.value = original;
      } else restoreNode(pair.value, storedMap?.[key], [...path, key]);
    }
  } else if (isSeq(node)) {
    const storedList = Array.isArray(stored) ? stored : [];
    node.items.forEach((item, index) => {
      const name = isMap(item) ? item.get("name") : undefined;
      const counterpart =
        typeof name === "string"
          ? storedList.find((s) => isPlainObject(s) && s.name === name)
          : storedList[index];
      restoreNode(item, counterpart, [...path, index]);
    });
  }
}

/** Checks a changed document against the schema the gateway loads gateway.yaml with; 400 naming the field. */
export function validateConfigDocument(
  data: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
): GatewayConfig {
  try {
    return compileGatewayConfig(data, env);
  } catch (error) {
    const details = (error as { details?: { issues?: { path?: unknown }[] } }).details;
    const path = details?.issues?.[0]?.path;
    const field = (Array.isArray(path) ? path.join(".") : typeof path === "string" ? path : "") || "config";
    throw new DomainError(
      "validation",
      "INVALID_CONFIG",
      (error as Error).message.replace(/^gateway\.yaml: /, ""),
      {
        field,
        issues: details?.issues ?? [],
      },
    );
  }
}
