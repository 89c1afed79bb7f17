import { authHeaders } from "./api.js";

/** The part of JSON Schema the forms read. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  description?: string;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } }>
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

let documentPromise: Promise<OpenApiDocument> | undefined;

/** The gateway's own OpenAPI document (fetched once per page load): the same zod schemas the API validates with. */
function openApiDocument(): Promise<OpenApiDocument> {
  documentPromise ??= fetch("/openapi.json", { headers: authHeaders() }).then((answer) => {
    if (!answer.ok) {
      documentPromise = undefined;
      throw new Error(`/openapi.json answered ${answer.status}`);
    }
    return answer.json() as Promise<OpenApiDocument>;
  });
  return documentPromise;
}

/** The JSON body schema of an operation, its `$ref`s resolved (cycles cut at a few levels). */
export async function requestBodySchema(method: string, path: string): Promise<JsonSchema> {
  const doc = await openApiDocument();
  const schema = doc.paths[path]?.[method]?.requestBody?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no JSON body for ${method.toUpperCase()} ${path}`);
  const resolve = (s: JsonSchema, depth: number): JsonSchema => {
    if (depth > 6) return {};
    if (s.$ref) return resolve(doc.components?.schemas?.[s.$ref.split("/").pop() ?? ""] ?? {}, depth + 1);
    const out: JsonSchema = { ...s };
    if (s.properties)
      out.properties = Object.fromEntries(
        Object.entries(s.properties).map(([key, value]) => [key, resolve(value, depth + 1)]),
      );
    if (s.items) out.items = resolve(s.items, depth + 1);
    if (s.anyOf) out.anyOf = s.anyOf.map((a) => resolve(a, depth + 1));
    return out;
  };
  return resolve(schema, 0);
}
