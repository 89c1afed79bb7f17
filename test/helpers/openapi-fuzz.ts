import { Agent as HttpAgent, request as httpRequest } from "node:http";

/**
 * Malformed-input generation from an OpenAPI 3.1 document: for every operation, hostile path parameters
 * (traversal, separators, NUL, invalid percent-encoding, very long ids), query parameters of the wrong
 * type, broken bodies (syntax, content types, top-level kinds) and, field by field, wrong types, missing
 * required fields and hostile values. Everything random comes from a seeded PRNG, so a seed names a run.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  example?: unknown;
  minimum?: number;
};

interface ParameterObject {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface FuzzOperation {
  /** `POST /api/agent` */
  id: string;
  method: string;
  path: string;
  pathParams: string[];
  query: ParameterObject[];
  headers: ParameterObject[];
  body?: JsonSchema;
  bodyRequired: boolean;
  /** Documented as a WebSocket upgrade (a 101 answer): sent plain GETs only. */
  websocket: boolean;
  /** Public (`x-required-role: public`): served ahead of the Origin and Host checks. */
  public: boolean;
}

export interface FuzzCase {
  op: string;
  label: string;
  method: string;
  /** Request target as sent on the wire (already percent-encoded where it should be). */
  target: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Invalid by construction (wrong type, missing field, broken JSON): anything below 400 is a failure. */
  invalid?: boolean;
  /** Statuses the answer must have (traversal through an id must be refused: 400 or 404). */
  expect?: number[];
  /**
   * Sent after all others: credentials in the query string count as failed attempts, and past the limit
   * the client's address gets 429 for a minute whatever it sends.
   */
  last?: boolean;
}

export interface FuzzContext {
  /** A valid value for a path parameter (an existing resource where there is one). */
  pathParam(op: FuzzOperation, name: string): string;
  /** A plausible valid value for a body field or query parameter by its name, or undefined. */
  hint(name: string, op: FuzzOperation): unknown;
  /**
   * Values no workspace-like field or query parameter (names matching `workspaceField`) may accept: paths
   * outside the allowed roots (directly, through `..` or a symbolic link), missing, not a directory,
   * relative, on procfs or sysfs. Anything below 400 for one of them is a failure.
   */
  workspaceValues: string[];
  /**
   * Workspace-like query parameters (`GET /api/sessions workspace_path`) that only filter stored records:
   * any absolute path is a fair filter there, so the values above are not refused.
   */
  filters: string[];
  /** A file name that must never appear outside the storage roots (traversal payloads aim at it). */
  escapeName: string;
  /** An absolute path traversal payloads aim at (outside every storage root). */
  escapePath: string;
}

const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;
const JSON_HEADERS = { "content-type": "application/json" };
export const workspaceField = /^(workspace_path|base_path|workdir|cwd)$/;
/** Top-level body fields given a new value in every mutated body (hints make them unique). */
const FRESH_FIELDS = ["id", "name", "session_id"];
/** Top-level body fields that name a resource by id (and so may become a file name). */
export const idField = /^(id|[a-z]+_id|from_template)$/;
/** Fields named like ids that never name a file: a model's id at its provider may hold `/` and `:`. */
const NOT_FILE_IDS = new Set(["model_id"]);
const namesFileId = (name: string) => idField.test(name) && !NOT_FILE_IDS.has(name);
/** An id-like string that tries to leave its folder: it must be refused (400) or found nowhere (404). */
const TRAVERSAL = /\.\.|[/\\:\u0000]/;
/**
 * A raw path segment that decodes to one of those. Dot segments (`..`, `%2e%2e`, `.%2e`) are not: the URL
 * parser resolves them before routing, so they name another route (e.g. `/api/agent/%2e%2e/sessions` is
 * `/api/sessions`) and never reach a handler as a parameter.
 */
const TRAVERSAL_SEGMENT = /%2f|%5c|%00|:|%3a|%c0%ae/i;
const DOT_SEGMENT = /^(\.|%2e){1,2}$/i;
const REFUSED = [400, 404];

// ---------------------------------------------------------------------------------------------------
// Seeded randomness

/** mulberry32: tiny, fast and good enough to pick fuzz inputs reproducibly. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
export type Random = ReturnType<typeof seededRandom>;

/**
 * `count` items of `items`, chosen by the seeded PRNG. Inputs that exercise shared machinery (the JSON
 * parser, content types, the router) are sampled per operation: every one is sent to many operations,
 * no operation gets all of them, and a run stays short.
 */
export function sample<T>(items: readonly T[], count: number, random: Random): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(random.int(pool.length), 1)[0]!);
  return out;
}

// Characters that break parsers, paths and terminals; random strings are drawn mostly from these.
const NASTY_CHARS = [
  "\u0000",
  "\u0001",
  "\u001b",
  "\u007f",
  "\n",
  "\r",
  "\t",
  "/",
  "\\",
  ":",
  ".",
  "..",
  "%",
  "?",
  "#",
  "*",
  '"',
  "'",
  "<",
  ">",
  "|",
  "$",
  "{",
  "}",
  "~",
  " ",
  "\u00a0",
  "\u200b",
  "\u202e",
  "\ufeff",
  "\ud800",
  "\udfff",
  "é",
  "本",
  "🙂",
  "\u0301",
];

/** A short string mixing hostile characters with letters (lone surrogates included). */
export function randomNastyString(random: Random, maxLength = 24): string {
  let out = "";
  const length = 1 + random.int(maxLength);
  for (let i = 0; i < length; i++)
    out += random.next() < 0.6 ? random.pick(NASTY_CHARS) : "ab"[random.int(2)];
  return out;
}

/** A random JSON value of any kind (nested a little), for seeded mutations. */
export function randomJsonValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5;
    case 2:
      return random.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, -(2 ** 31), 1e-300]);
    case 3:
    case 4:
      return randomNastyString(random);
    case 5:
      return Array.from({ length: random.int(4) }, () => randomJsonValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(4) }, () => [
          randomNastyString(random, 8),
          randomJsonValue(random, depth + 1),
        ]),
      );
  }
}

/** Percent-encodes every byte of the UTF-8 (or, for lone surrogates, WTF-8-like) form of `text`. */
function encodeAll(text: string): string {
  return [...Buffer.from(text, "utf8")]
    .map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`)
    .join("");
}

// ---------------------------------------------------------------------------------------------------
// Reading the document

export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.split("/").pop()!;
    current = doc.components?.schemas?.[name] ?? {};
  }
  if (current.allOf) {
    const parts = current.allOf.map((part) => resolveSchema(doc, part));
    return {
      ...current,
      type: "object",
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: parts.flatMap((p) => p.required ?? []),
    };
  }
  return current;
}

export function operationsOf(doc: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = ((item as { parameters?: ParameterObject[] }).parameters ?? []) as ParameterObject[];
    for (const method of HTTP_METHODS) {
      const raw = item[method] as
        | {
            parameters?: ParameterObject[];
            requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
            responses?: Record<string, unknown>;
            "x-required-role"?: string;
          }
        | undefined;
      if (!raw) continue;
      const parameters = [...shared, ...(raw.parameters ?? [])];
      const jsonBody = raw.requestBody?.content?.["application/json"];
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        query: parameters.filter((p) => p.in === "query"),
        headers: parameters.filter((p) => p.in === "header"),
        body: jsonBody ? resolveSchema(doc, jsonBody.schema) : undefined,
        bodyRequired: raw.requestBody?.required === true,
        websocket: Object.keys(raw.responses ?? {}).includes("101"),
        public: raw["x-required-role"] === "public",
      });
    }
  }
  return operations;
}

/** Methods a path does not document (a request with one must still get a 404/405 envelope). */
export function undocumentedMethods(doc: OpenApiDocument, path: string): string[] {
  const item = doc.paths[path] ?? {};
  return HTTP_METHODS.filter((m) => !(m in item)).map((m) => m.toUpperCase());
}

// ---------------------------------------------------------------------------------------------------
// Schemas: which JSON kinds a field accepts, and a valid value for it

type Kind = "null" | "boolean" | "integer" | "number" | "string" | "array" | "object";

function kindOf(value: unknown): Kind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as Kind;
}

/** The JSON kinds a schema accepts; undefined when it accepts anything (an empty schema). */
export function acceptedKinds(doc: OpenApiDocument, raw: JsonSchema): Set<Kind> | undefined {
  const schema = resolveSchema(doc, raw);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const kinds = new Set<Kind>();
    for (const variant of variants) {
      const inner = acceptedKinds(doc, variant);
      if (!inner) return undefined;
      for (const k of inner) kinds.add(k);
    }
    return kinds;
  }
  if (schema.enum) return new Set(schema.enum.map(kindOf));
  if (schema.const !== undefined) return new Set([kindOf(schema.const)]);
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length === 0) return schema.properties ? new Set(["object"]) : undefined;
  const kinds = new Set(types as Kind[]);
  if (kinds.has("number")) kinds.add("integer");
  return kinds;
}

function objectVariant(doc: OpenApiDocument, raw: JsonSchema): JsonSchema | undefined {
  const schema = resolveSchema(doc, raw);
  if (schema.properties || schema.additionalProperties) return schema;
  return undefined;
}

/** A value the schema accepts, preferring the context's hint for the field's name. */
export function validValue(
  doc: OpenApiDocument,
  raw: JsonSchema,
  name: string,
  op: FuzzOperation,
  ctx: FuzzContext,
  depth = 0,
): unknown {
  const schema = resolveSchema(doc, raw);
  const hinted = ctx.hint(name, op);
  if (hinted !== undefined) return hinted;
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const variant = (schema.anyOf ?? schema.oneOf)?.find((v) => !acceptedKinds(doc, v)?.has("null"));
  if (variant) return validValue(doc, variant, name, op, ctx, depth);
  const kinds = acceptedKinds(doc, schema);
  if (!kinds) return "fuzz";
  if (kinds.has("object") && depth < 4) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      out[key] = validValue(doc, child, key, op, ctx, depth + 1);
    }
    if (!schema.properties && typeof schema.additionalProperties === "object") {
      out.fuzz = validValue(doc, schema.additionalProperties, "fuzz", op, ctx, depth + 1);
    }
    return out;
  }
  if (kinds.has("string")) return "fuzz-value";
  if (kinds.has("integer")) return Math.max(1, schema.minimum ?? 1);
  if (kinds.has("number")) return 1;
  if (kinds.has("boolean")) return true;
  if (kinds.has("array"))
    return schema.items ? [validValue(doc, schema.items, name, op, ctx, depth + 1)] : [];
  if (kinds.has("object")) return {};
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Hostile values

const BIG = "x".repeat(100 * 1024);

/** JSON nested `levels` deep, as text (JSON.stringify itself would be fine; this keeps it cheap). */
export function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

/**
 * Hostile strings: `core` goes into every field that may name a file (ids, names, paths), `text` into
 * every other string field, and a seeded sample of `extra` into top-level fields besides.
 */
export function hostileStrings(ctx: FuzzContext): { core: string[]; text: string[]; extra: string[] } {
  return {
    core: [
      "",
      "\u0000",
      "a\u0000b",
      "..",
      `../../${ctx.escapeName}`,
      `../../../../../../../../..${ctx.escapePath}`,
      "a/b",
      "a:b",
      "\ud800",
      "x".repeat(300),
    ],
    text: ["", "a\u0000b", "\ud800", "\u0001\u001b[31m\u007f\r\n"],
    extra: [
      " ",
      " padded ",
      "\u0001\u001b[31m\u007f\r\n",
      ".",
      ".hidden",
      `..\\..\\${ctx.escapeName}`,
      ctx.escapePath,
      "/etc/passwd",
      "C:\\Windows",
      ":",
      "%2e%2e%2f",
      "本地助手",
      "🙂\u202eevil",
      "a\udfffb",
      "${HOME}",
      "$(touch /tmp/x)",
      "-1",
      "null",
    ],
  };
}

const HOSTILE_NUMBERS = [-1, 0, 1e308, -1e308, 2 ** 53 + 1, 1e-300, 0.5];
const HOSTILE_INTEGERS = [-1, 0, 2 ** 31, -(2 ** 31), 2 ** 53 + 1, 1e308];

/** Hostile values of the kinds a field accepts; `top` fields also get a 100 KB string and more samples. */
function hostileValues(
  kinds: Set<Kind> | undefined,
  ctx: FuzzContext,
  random: Random,
  site: { top: boolean; namesFile: boolean },
): unknown[] {
  const values: unknown[] = [];
  if (!kinds || kinds.has("string")) {
    const { core, text, extra } = hostileStrings(ctx);
    values.push(...(site.namesFile ? core : text));
    if (site.top) values.push(BIG, ...Array.from({ length: 3 }, () => random.pick(extra)));
  }
  if (!kinds || kinds.has("number")) values.push(...HOSTILE_NUMBERS);
  else if (kinds.has("integer")) values.push(...HOSTILE_INTEGERS);
  if (!kinds || kinds.has("array")) {
    values.push(
      [],
      [null],
      ["a", "a"],
      Array.from({ length: 1000 }, (_, i) => `x${i}`),
      [ctx.escapePath],
    );
  }
  if (!kinds || kinds.has("object")) {
    values.push(
      {},
      { "": "" },
      { [`../../${ctx.escapeName}`]: { command: "true" } },
      { "a\u0000b": 1, "a:b": 2 },
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])),
      { nested: { deeper: { deepest: [1, { x: null }] } } },
    );
  }
  return values;
}

/** One value of each kind the schema does not accept. */
function wrongTypeValues(kinds: Set<Kind> | undefined): unknown[] {
  if (!kinds) return [];
  const out: unknown[] = [];
  if (!kinds.has("null")) out.push(null);
  if (!kinds.has("boolean")) out.push(true);
  if (!kinds.has("number") && !kinds.has("integer")) out.push(42);
  if (kinds.has("integer") && !kinds.has("number")) out.push(1.5);
  if (!kinds.has("string")) out.push("fuzz");
  if (!kinds.has("array")) out.push(["fuzz"]);
  if (!kinds.has("object")) out.push({ fuzz: 1 });
  return out;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 30)}…(${text.length} chars)` : text;
}

// ---------------------------------------------------------------------------------------------------
// Case generation

/** Hostile raw path segments, exactly as sent on the wire. */
export function hostilePathSegments(ctx: FuzzContext): string[] {
  const target = encodeURIComponent(ctx.escapeName);
  return [
    "..",
    ".",
    "%2e%2e",
    "%2E%2E",
    ".%2e",
    `..%2F..%2F${target}`,
    `%2e%2e%2f%2e%2e%2f${target}`,
    `${"..%2F".repeat(12)}${encodeURIComponent(ctx.escapePath.slice(1))}`,
    `..%5C..%5C${target}`,
    "%2F",
    "a%2Fb",
    "%2Fetc%2Fpasswd",
    "etc%2Fpasswd",
    "%5C",
    ":",
    "a:b",
    "a%3Ab",
    "C%3A%5Cwindows",
    "%00",
    "a%00b",
    "%0A",
    "%0D%0Ax-injected:1",
    "%7F",
    "%1B%5B31m",
    "x".repeat(5000),
    encodeURIComponent("é".repeat(300)),
    "%C0%AE%C0%AE%2F",
    "%FF",
    "%ED%A0%80",
    "%",
    "%zz",
    "%2",
    "%E2%80%AE",
    "%252e%252e%252f",
    ".hidden",
    "~",
    "%20",
    "%20padded%20",
    "*",
    "%3F",
    "%23",
    encodeURIComponent("本地助手"),
    "-1",
    "99999999999999999999",
  ];
}

/** Hostile raw query values (the `name=` part is added by the caller): `core` always, `extra` sampled. */
function hostileQueryValues(ctx: FuzzContext): { core: string[]; extra: string[] } {
  return {
    core: [
      "",
      "-1",
      "1e309",
      "%00",
      "%",
      `..%2F..%2F${encodeURIComponent(ctx.escapeName)}`,
      encodeURIComponent(ctx.escapePath),
      "x".repeat(100 * 1024),
    ],
    extra: [
      "0",
      "1.5",
      "99999999999999999999",
      "NaN",
      "true",
      "a%00b",
      "%FF",
      "%ED%A0%80",
      "relative%2Fpath",
      encodeURIComponent("本地助手"),
    ],
  };
}

function fillPath(op: FuzzOperation, ctx: FuzzContext, overrides: Record<string, string> = {}): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
    name in overrides ? overrides[name]! : encodeURIComponent(ctx.pathParam(op, name)),
  );
}

function setAt(target: unknown, path: (string | number)[], value: unknown, remove = false): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete node[last];
  // A computed key so that `__proto__` becomes an own property (and so is serialised).
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
}

interface FieldSite {
  path: (string | number)[];
  schema: JsonSchema;
  required: boolean;
}

/** Every field reachable in the valid body: object properties (nested), first array items, record values. */
function fieldSites(doc: OpenApiDocument, raw: JsonSchema, base: unknown, prefix: (string | number)[] = []) {
  const sites: FieldSite[] = [];
  const schema = objectVariant(doc, raw);
  if (!schema || typeof base !== "object" || base === null || Array.isArray(base) || prefix.length > 3) {
    return sites;
  }
  const required = new Set(schema.required ?? []);
  const props = schema.properties ?? {};
  for (const key of Object.keys(base as object)) {
    const child =
      props[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : {});
    const path = [...prefix, key];
    sites.push({ path, schema: child, required: required.has(key) });
    const value = (base as Record<string, unknown>)[key];
    sites.push(...fieldSites(doc, child, value, path));
    const items = resolveSchema(doc, child).items;
    if (Array.isArray(value) && value.length > 0 && items) {
      sites.push({ path: [...path, 0], schema: items, required: true });
      sites.push(...fieldSites(doc, items, value[0], [...path, 0]));
    }
  }
  return sites;
}

export interface Generated {
  cases: FuzzCase[];
  /** The valid body each operation's body cases start from (sent first, as the `valid body` case). */
  bases: Map<string, unknown>;
}

export function generateCases(
  doc: OpenApiDocument,
  operations: FuzzOperation[],
  ctx: FuzzContext,
  seed: number,
): Generated {
  const random = seededRandom(seed);
  const cases: FuzzCase[] = [];
  const bases = new Map<string, unknown>();
  for (const op of operations) {
    const base = op.body ? validValue(doc, op.body, "(body)", op, ctx) : undefined;
    if (op.body) bases.set(op.id, base);
    const baseText = base === undefined ? undefined : JSON.stringify(base);
    const add = (c: Omit<FuzzCase, "op" | "method"> & { method?: string }) =>
      cases.push({ op: op.id, method: op.method, ...c });
    const withBody = (c: Omit<FuzzCase, "op" | "method" | "headers" | "body">) =>
      add({ ...c, headers: baseText === undefined ? {} : { ...JSON_HEADERS }, body: baseText });
    const target = (path = fillPath(op, ctx), query = "") => (query ? `${path}?${query}` : path);

    if (op.websocket) {
      // A plain GET (no upgrade) with hostile query values: it must be refused with the envelope.
      const last = (c: Omit<FuzzCase, "op" | "method"> & { method?: string }) => add({ ...c, last: true });
      last({ label: "plain GET without upgrade", target: target(), headers: {} });
      for (const value of hostileQueryValues(ctx).core) {
        last({
          label: `plain GET token=${value.slice(0, 20)}`,
          target: target(undefined, `token=${value}`),
          headers: {},
        });
      }
      for (const query of ["TOKEN=x", "Token=x", "token%5B%5D=x", "token=a&token=b", "session_id=..%2Fx"]) {
        last({ label: `plain GET ${query}`, target: target(undefined, query), headers: {} });
      }
      // Upgrade headers with a broken handshake (no key, a wrong version).
      last({
        label: "upgrade without Sec-WebSocket-Key",
        target: target(),
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "99" },
      });
      continue;
    }

    withBody({ label: "valid request", target: target() });

    // Request-level hostility: a foreign page or DNS-rebound host name, a bogus key, HEAD.
    const guarded = !op.public;
    const plain = baseText === undefined ? {} : { ...JSON_HEADERS };
    add({
      label: "foreign Origin",
      target: target(),
      headers: { ...plain, origin: "http://evil.example" },
      body: baseText,
      invalid: guarded,
    });
    add({
      label: "foreign Host",
      target: target(),
      headers: { ...plain, host: "evil.example" },
      body: baseText,
      invalid: guarded,
    });
    add({
      label: "Origin: null",
      target: target(),
      headers: { ...plain, origin: "null" },
      body: baseText,
      invalid: guarded,
    });
    add({
      label: "malformed Authorization",
      target: target(),
      headers: { ...plain, authorization: `Bearer ${"\u00ff".repeat(3)} x y` },
      body: baseText,
    });
    if (op.method === "GET") add({ label: "HEAD", method: "HEAD", target: target(), headers: {} });
    // Upgrade headers on a REST route: Node hands such requests to the upgrade listeners, not the router.
    const upgrades: [string, Record<string, string>][] = [
      [
        "h2c",
        {
          connection: "Upgrade, HTTP2-Settings",
          upgrade: "h2c",
          "http2-settings": "AAMAAABkAAQCAAAAAAIAAAAA",
        },
      ],
      [
        "websocket",
        {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      ],
    ];
    for (const [protocol, headers] of upgrades) {
      add({
        label: `Upgrade: ${protocol}`,
        target: target(),
        headers: { ...plain, ...headers },
        body: baseText,
      });
    }

    // Path parameters: traversal, separators, NUL, invalid percent-encoding, long ids.
    for (const name of op.pathParams) {
      const segments = hostilePathSegments(ctx);
      const traversing = (segment: string) => TRAVERSAL_SEGMENT.test(segment) && !DOT_SEGMENT.test(segment);
      const others = segments.filter((segment) => !traversing(segment));
      for (const segment of [...segments.filter(traversing), ...sample(others, 12, random)]) {
        const traversal = traversing(segment);
        withBody({
          label: `path ${name}=${segment.slice(0, 40)}`,
          target: target(fillPath(op, ctx, { [name]: segment })),
          expect: traversal ? REFUSED : undefined,
        });
      }
      for (let i = 0; i < 2; i++) {
        const segment = encodeAll(randomNastyString(random));
        withBody({
          label: `path ${name}=random ${segment.slice(0, 40)}`,
          target: target(fillPath(op, ctx, { [name]: segment })),
        });
      }
      // Dot segments left raw: the URL parser normalises them away; the answer must still be an envelope.
      withBody({
        label: `path ${name} raw ../`,
        target: fillPath(op, ctx, { [name]: `x/../../${encodeURIComponent(ctx.escapeName)}` }),
      });
    }

    // Query parameters: wrong types, repeats, bracket forms, hostile values; and workspace-like paths.
    for (const param of op.query) {
      const q = encodeURIComponent(param.name);
      const kinds = acceptedKinds(doc, param.schema ?? {});
      const numeric = kinds && (kinds.has("integer") || kinds.has("number")) && !kinds.has("string");
      const schema = resolveSchema(doc, param.schema ?? {});
      const { core: queryCore, extra: queryExtra } = hostileQueryValues(ctx);
      for (const value of [...queryCore, ...sample(queryExtra, 4, random)]) {
        withBody({
          label: `query ${param.name}=${value.slice(0, 30)}`,
          target: target(undefined, `${q}=${value}`),
        });
      }
      withBody({ label: `query ${param.name} repeated`, target: target(undefined, `${q}=1&${q}=2`) });
      withBody({ label: `query ${param.name}[]`, target: target(undefined, `${q}%5B%5D=1`) });
      withBody({ label: `query ${param.name} without =`, target: target(undefined, q) });
      if (numeric) {
        withBody({
          label: `query ${param.name}=abc (not a number)`,
          target: target(undefined, `${q}=abc`),
          invalid: true,
        });
      }
      if (schema.enum) {
        withBody({
          label: `query ${param.name} not in enum`,
          target: target(undefined, `${q}=not-a-member`),
          invalid: true,
        });
      }
      if (workspaceField.test(param.name)) {
        // Unless the body names the workspace too (it wins), or the parameter only filters stored records.
        const decisive =
          !(base && typeof base === "object" && param.name in base) &&
          !ctx.filters.includes(`${op.id} ${param.name}`);
        for (const value of ctx.workspaceValues) {
          withBody({
            label: `query ${param.name}=${value}`,
            target: target(undefined, `${q}=${encodeURIComponent(value)}`),
            invalid: decisive,
          });
        }
      }
    }
    if (op.query.length > 0 || op.method === "GET") {
      withBody({ label: "unknown query parameter", target: target(undefined, "fuzz_unknown=1&__proto__=x") });
      const many = Array.from(
        { length: 1000 },
        (_, i) => `${op.query[i % (op.query.length || 1)]?.name ?? "q"}=${i}`,
      );
      withBody({ label: "1000 query parameters", target: target(undefined, many.join("&")) });
    }

    // Header parameters (Idempotency-Key, Last-Event-ID...).
    for (const param of op.headers) {
      for (const value of [
        "",
        "x".repeat(8000),
        "-1",
        "99999999999999999999",
        "../../x",
        "\u00e9\u00ff",
        "a,b",
        "%00",
      ]) {
        add({
          label: `header ${param.name}=${value.slice(0, 20)}`,
          target: target(),
          headers: { ...(baseText === undefined ? {} : JSON_HEADERS), [param.name]: value },
          body: baseText,
        });
      }
    }

    if (!op.body) {
      // A body nobody asked for must not matter, broken or not.
      if (op.method !== "GET") {
        add({
          label: "unexpected broken JSON body",
          target: target(),
          headers: { ...JSON_HEADERS },
          body: "{",
        });
      }
      continue;
    }
    cases.push(...bodyCases(doc, op, ctx, base, random, target()));
  }
  return { cases, bases };
}

function bodyCases(
  doc: OpenApiDocument,
  op: FuzzOperation,
  ctx: FuzzContext,
  base: unknown,
  random: Random,
  target: string,
): FuzzCase[] {
  const cases: FuzzCase[] = [];
  const baseText = JSON.stringify(base);
  const add = (
    label: string,
    body: string | Buffer | undefined,
    headers: Record<string, string> = JSON_HEADERS,
    invalid = false,
    expect?: number[],
  ) =>
    cases.push({
      op: op.id,
      method: op.method,
      label,
      target,
      headers: { ...headers },
      body,
      invalid,
      expect,
    });
  const bodyKinds = acceptedKinds(doc, op.body!);
  const objectBody = bodyKinds?.size === 1 && bodyKinds.has("object");

  // Broken syntax, content types and top-level kinds (a sample of each per operation).
  const broken = [
    "{",
    '{"a":',
    "nul",
    "{'a':1}",
    "{}x",
    "[1,]",
    '{"a":1,}',
    "\u0000",
    '{"a":"\\x"}',
    '"\\ud800',
  ];
  for (const text of sample(broken, 4, random))
    add(`invalid JSON ${JSON.stringify(text)}`, text, JSON_HEADERS, true);
  // Without a content type, a missing body reads as `{}`: wrong only where the schema requires a field.
  const needsFields = (resolveSchema(doc, op.body!).required ?? []).length > 0;
  add("empty body with JSON content type", "", JSON_HEADERS, op.bodyRequired);
  add("no body, no content type", undefined, {}, needsFields);
  const encodings: [string, string | Buffer, Record<string, string>][] = [
    ["valid JSON without content type", baseText, {}],
    ["valid JSON as text/plain", baseText, { "content-type": "text/plain" }],
    ["form-encoded body", "a=1&name=x", { "content-type": "application/x-www-form-urlencoded" }],
    [
      "multipart body",
      '--b\r\ncontent-disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n',
      { "content-type": "multipart/form-data; boundary=b" },
    ],
    ["JSON declared as UTF-16", baseText, { "content-type": "application/json; charset=utf-16" }],
    ["JSON with a byte-order mark", `\ufeff${baseText}`, JSON_HEADERS],
    ["JSON content type with garbage parameters", baseText, { "content-type": "application/json;;;=x" }],
    [
      "invalid UTF-8 in a string",
      Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xff, 0xfe, 0xc0]), Buffer.from('"}')]),
      JSON_HEADERS,
    ],
  ];
  for (const [label, body, headers] of sample(encodings, 4, random)) add(label, body, headers);
  add("body of 100 KB string", JSON.stringify(BIG), JSON_HEADERS, objectBody);
  add("deeply nested array body", `${"[".repeat(5000)}${"]".repeat(5000)}`, JSON_HEADERS, objectBody);
  add("deeply nested object body", deepJson(5000), JSON_HEADERS, false);
  for (const value of sample([null, [], [{}], "str", 0, -1, true, 1e308], 4, random)) {
    add(`top-level ${describeValue(value)}`, JSON.stringify(value), JSON_HEADERS, objectBody);
  }
  if (objectBody) {
    add("{}", "{}", JSON_HEADERS, needsFields);
    add(
      "duplicate keys",
      `{${baseText.slice(1, -1)}${baseText.length > 2 ? "," : ""}${baseText.slice(1, -1)}}`,
    );
    add("extra field", JSON.stringify({ ...(base as object), fuzz_unknown_field: 1 }));
    add("__proto__ field", `{"__proto__":{"polluted":true},${baseText.slice(1)}`.replace(",}", "}"));
    add(
      "constructor.prototype field",
      `{"constructor":{"prototype":{"polluted":true}},${baseText.slice(1)}`.replace(",}", "}"),
    );
  }

  // A create that passes validation should create (not stop at 409 because the base's id exists).
  const freshCopy = (keep?: string | number) => {
    const copy = structuredClone(base) as Record<string, unknown>;
    for (const key of FRESH_FIELDS) {
      if (key !== keep && copy && typeof copy === "object" && key in copy) copy[key] = ctx.hint(key, op);
    }
    return copy;
  };

  // Field by field: wrong kinds, missing required, hostile values, deep nesting.
  for (const site of fieldSites(doc, op.body!, base)) {
    const where = site.path.join(".");
    const kinds = acceptedKinds(doc, site.schema);
    const mutate = (value: unknown, remove = false) => {
      const copy = freshCopy(site.path[0]);
      setAt(copy, site.path, value, remove);
      return JSON.stringify(copy);
    };
    for (const value of wrongTypeValues(kinds))
      add(`${where}=${describeValue(value)} (wrong type)`, mutate(value), JSON_HEADERS, true);
    if (site.required && typeof site.path[site.path.length - 1] === "string") {
      add(`${where} missing (required)`, mutate(undefined, true), JSON_HEADERS, true);
    }
    const leafName = String(site.path[site.path.length - 1]);
    const namesFile =
      namesFileId(leafName) || workspaceField.test(leafName) || FRESH_FIELDS.includes(leafName);
    for (const value of hostileValues(kinds, ctx, random, { top: site.path.length === 1, namesFile })) {
      const traversal =
        site.path.length === 1 && namesFileId(leafName) && typeof value === "string" && TRAVERSAL.test(value);
      add(
        `${where}=${describeValue(value)}`,
        mutate(value),
        JSON_HEADERS,
        false,
        traversal ? REFUSED : undefined,
      );
    }
    const raw = (text: string) => mutate("__RAW__").replace('"__RAW__"', text);
    add(
      `${where}=object nested 2000 levels`,
      raw(deepJson(2000)),
      JSON_HEADERS,
      kinds ? !kinds.has("object") : false,
    );
    // Numbers JSON.parse turns into Infinity or -0, which JSON.stringify cannot give.
    if (kinds?.has("number") || kinds?.has("integer")) {
      for (const text of ["1e400", "-1e400", "-0"])
        add(`${where}=${text}`, raw(text), JSON_HEADERS, text !== "-0");
    }
    const leaf = site.path[site.path.length - 1];
    if (typeof leaf === "string" && workspaceField.test(leaf)) {
      for (const value of ctx.workspaceValues) add(`${where}=${value}`, mutate(value), JSON_HEADERS, true);
    }
  }

  // Seeded random mutations: any field, any value.
  const sites = fieldSites(doc, op.body!, base);
  for (let i = 0; i < 8 && sites.length > 0; i++) {
    const site = random.pick(sites);
    const value = randomJsonValue(random);
    const copy = freshCopy(site.path[0]);
    setAt(copy, site.path, value);
    add(`random ${site.path.join(".")}=${describeValue(value)}`, JSON.stringify(copy));
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------
// Sending

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Set when no complete answer arrived (timeout, reset). */
  error?: string;
}

const agent = new HttpAgent({ keepAlive: true, maxSockets: 8 });

// Each case comes from its own loopback address (Linux routes all of 127/8 to lo): the gateway limits
// failed credential attempts per address (tested on its own), and the fuzz sends hundreds of bad tokens
// on purpose; from one address every later case would be answered 429 and check nothing else.
let casesSent = 0;
function nextLoopbackAddress(): string {
  casesSent += 1;
  return `127.${1 + ((casesSent >> 16) & 127)}.${(casesSent >> 8) & 255}.${casesSent & 255}`;
}

/**
 * Sends a request exactly as given (no URL normalisation, unlike fetch) and reads at most 256 KB of the
 * answer; an event stream is cut after its headers. A request never answered still fails its case after
 * `timeoutMs`; 60 s, because beside a second copy of the suite (fsyncs of both on one disk) a chat-list
 * PATCH, which reads every conversation, once took over 15 s.
 */
export function sendRaw(
  origin: string,
  c: Pick<FuzzCase, "method" | "target" | "headers" | "body">,
  timeoutMs = 60_000,
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.body !== undefined) headers["content-length"] = String(Buffer.byteLength(c.body));
    let settled = false;
    const done = (r: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    let req: ReturnType<typeof httpRequest>;
    try {
      req = httpRequest({
        host: hostname,
        port,
        method: c.method,
        path: c.target,
        headers,
        agent: hostname === "127.0.0.1" ? false : agent,
        ...(hostname === "127.0.0.1" ? { localAddress: nextLoopbackAddress() } : {}),
      });
    } catch (error) {
      resolve({
        status: 0,
        headers: {},
        text: "",
        error: `client refused to send: ${(error as Error).message}`,
      });
      return;
    }
    const timer = setTimeout(() => {
      done({ status: 0, headers: {}, text: "", error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on("error", (error) => done({ status: 0, headers: {}, text: "", error: error.message }));
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      done({ status: res.statusCode ?? 0, headers: res.headers, text: "" });
    });
    req.on("response", (res) => {
      const contentType = String(res.headers["content-type"] ?? "");
      if (contentType.startsWith("text/event-stream")) {
        done({ status: res.statusCode ?? 0, headers: res.headers, text: "" });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        if (size < 256 * 1024) chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", (error) =>
        done({ status: res.statusCode ?? 0, headers: res.headers, text: "", error: error.message }),
      );
    });
    req.end(c.body);
  });
}

export function closeFuzzAgent(): void {
  agent.destroy();
}
