import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { DomainError } from "../storage/errors.js";
import { describeIssues } from "../storage/schema-helpers.js";
import type { AppEnv } from "./context.js";

/** An error that maps straight onto the JSON error envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new ApiError(400, code, message, details);

export function validationError(error: z.ZodError, target: string): ApiError {
  const { message, issues } = describeIssues(error);
  const prefix = target === "json" ? "body" : target;
  return new ApiError(400, "VALIDATION_ERROR", `invalid ${prefix}: ${message}`, {
    target: prefix,
    issues: issues.map((i) => ({ ...i, path: i.path })),
  });
}

/** The one mapping of domain error kinds to HTTP statuses. */
const DOMAIN_STATUS: Record<DomainError["kind"], ContentfulStatusCode> = {
  validation: 400,
  payment_required: 402,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  corrupt: 422,
  rate_limited: 429,
  not_supported: 501,
};

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: message, code, details };
}

/** The one place errors become responses: `{error, code, details}` with a fitting status. */
export function handleError(err: Error, c: Context<AppEnv>) {
  if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
  if (err instanceof DomainError) {
    return c.json(errorBody(err.code, err.message, err.details), DOMAIN_STATUS[err.kind]);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (/malformed json/i.test(err.message)) {
      return c.json(errorBody("INVALID_JSON", "request body is not valid JSON"), status);
    }
    if (status === 415) {
      const type = (c.req.header("content-type") ?? "").slice(0, 100);
      return c.json(
        errorBody(
          "UNSUPPORTED_MEDIA_TYPE",
          `request body must be JSON (content-type: application/json)${type ? `, not '${type}'` : ""}`,
          { content_type: type || null },
        ),
        415,
      );
    }
    const code = status === 401 ? "UNAUTHORIZED" : `HTTP_${status}`;
    return c.json(errorBody(code, err.message || "request failed"), status);
  }
  c.get("services")?.logger.error({
    msg: "unhandled error",
    request_id: c.get("requestId"),
    error: err.message,
    stack: err.stack,
  });
  return c.json(errorBody("INTERNAL_ERROR", "internal error"), 500);
}

export function notFoundHandler(c: Context<AppEnv>) {
  return c.json(errorBody("NOT_FOUND", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
}
