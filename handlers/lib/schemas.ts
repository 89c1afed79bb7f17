import { z } from "@hono/zod-openapi";

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: "workspace_path: must be an absolute path" }),
    code: z.string().openapi({ example: "INVALID_WORKSPACE_PATH" }),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("Error");

export const booleanQuery = z
  .enum(["true", "false", "1", "0"], { message: "must be true or false" })
  .transform((v) => v === "true" || v === "1");

export const WorkspaceQuerySchema = z.object({
  workspace_path: z
    .string()
    .optional()
    .openapi({ description: "Absolute path of an existing workspace; defaults to the home directory" }),
  include_global: booleanQuery
    .optional()
    .openapi({ type: "boolean", description: "Include global resources (default true)" }),
});

export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 408 | 409 | 413 | 422 | 426 | 429 | 501 | 502 | 504;

/** The JSON error envelope under each status, described once for every route that can answer it. */
export const errorResponses = (...statuses: ErrorStatus[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status], content: { "application/json": { schema: ErrorSchema } } },
    ]),
  );

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "Invalid input",
  401: "Missing or unknown API key",
  402: "A budget is spent (BUDGET_EXCEEDED)",
  413: "Body too large",
  426: "Not a WebSocket handshake (UPGRADE_REQUIRED)",
  429: "Too many failed attempts",
  502: "The run failed",
  504: "The run timed out",
  403: "Role, origin or host not allowed",
  404: "Not found",
  408: "Waited longer than the timeout given (RUN_WAIT_TIMEOUT)",
  409: "Conflict",
  422: "Stored configuration is invalid",
  501: "Not supported in this runtime",
};

/** Any answer a route does not list, such as 500 INTERNAL_ERROR after an unexpected failure. */
export const otherErrorResponse = {
  default: {
    description: "Any other error (500 INTERNAL_ERROR after an unexpected failure)",
    content: { "application/json": { schema: ErrorSchema } },
  },
};

export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

/** `limit` query parameter: an integer from 1 to 1000 (the route applies `fallback` when absent). */
export const limitQuery = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .openapi({ type: "integer", description: `Default ${fallback}` });

/**
 * The handshake of a WebSocket route as the OpenAPI document shows it: a GET with `Upgrade: websocket`,
 * the API key in `?token=` for browsers (they cannot set Authorization on a handshake), answered 101.
 */
export const webSocketHandshake = {
  query: z.object({
    token: z.string().optional().openapi({
      description:
        "An API key, for clients that cannot send Authorization: Bearer (read on WebSocket handshakes only)",
    }),
  }),
  headers: z.object({
    upgrade: z.literal("websocket").openapi({ description: "Without it the route answers 426" }),
  }),
};

export const switchingProtocols = (description: string) => ({
  101: { description: `Switching Protocols: the WebSocket is open. ${description}` },
});
