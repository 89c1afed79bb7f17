import { type Document, isMap, isScalar, isSeq, type Pair, parseDocument, Scalar } from "yaml";
import { REDACTED, redactSecret } from "../../../storage/rules/redact.js";

/** Where secrets sit in published files: a key pattern and the document paths to mask under it. */
const SECRET_PLACES: { key: RegExp; mask: (doc: Document) => void }[] = [
  {
    key: /^providers:[^:]+\.yaml$/,
    mask: (doc) => {
      maskNode(doc.get("api_key", true), (masked) => doc.set("api_key", masked));
      maskMapValues(doc.get("headers", true));
    },
  },
  {
    key: /^agents:[^:]+:config\.yaml$/,
    mask: (doc) => {
      const servers = doc.get("mcp_servers", true);
      // The map form ({name: server}) or the original Viben list form ([name | {name, ...server}]).
      const entries = isMap(servers)
        ? servers.items.map((p) => p.value)
        : isSeq(servers)
          ? servers.items
          : [];
      for (const server of entries) {
        if (!isMap(server)) continue;
        maskMapValues(server.get("env", true));
        maskMapValues(server.get("headers", true));
      }
      maskMapValues(doc.get("env_variables", true));
      const executorConfig = doc.get("executor_config", true);
      if (isMap(executorConfig)) maskMapValues(executorConfig.get("env", true));
    },
  },
  { key: /^executors:[^:]+\.yaml$/, mask: (doc) => maskMapValues(doc.get("env", true)) },
];

/** A literal secret becomes `***`; a `${NAME}` reference stays, to be expanded from the Worker's secrets. */
function maskNode(node: unknown, replace: (masked: Scalar) => void): void {
  if (node === undefined || node === null) return;
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return;
    const text = String(node.value);
    const masked = redactSecret(text);
    if (masked !== text) node.value = masked;
    return;
  }
  replace(new Scalar(REDACTED));
}

function maskMapValues(node: unknown): void {
  if (!isMap(node)) return;
  for (const pair of node.items as Pair<unknown, unknown>[]) {
    maskNode(pair.value, (masked) => {
      pair.value = masked;
    });
  }
}

/**
 * The text to publish for a file: unchanged, except that literal secrets in provider files (api_key,
 * header values), agents' MCP server env/header values and executor env values are masked. The edge never
 * calls a provider or starts a process, so it needs none of them, and the API shows them masked anyway.
 * Null when such a file does not parse (it is left out rather than published with its secrets).
 */
export function redactForEdge(key: string, text: string): string | null {
  const place = SECRET_PLACES.find((p) => p.key.test(key));
  if (!place) return text;
  const doc = parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return null;
  const before = doc.toString({ lineWidth: 0 });
  place.mask(doc);
  const after = doc.toString({ lineWidth: 0 });
  // Untouched files keep their exact bytes (the round trip may reformat).
  return after === before ? text : after;
}
