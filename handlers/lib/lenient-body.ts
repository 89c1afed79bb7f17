import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../context.js";
import { validationError } from "../errors.js";

/** A request field the gateway did not use, reported instead of refusing the request. */
export const InputWarningSchema = z
  .object({ field: z.string(), message: z.string() })
  .openapi("InputWarning", { description: "A request field that was ignored, and why" });

export type InputWarning = z.infer<typeof InputWarningSchema>;

/** `?strict=true` on routes that accept unknown fields: refuse them with 400 instead of ignoring them. */
export const StrictQuerySchema = z.object({
  strict: z.enum(["true", "false", "1", "0"], { message: "must be true or false" }).optional().openapi({
    type: "boolean",
    description: "Refuse unknown body fields with 400 (default: gateway.yaml `strict_input`, else false)",
  }),
});

/**
 * Whether unknown fields are refused: `?strict=` decides, else gateway.yaml `strict_input`. The clients
 * of the original systems send fields this gateway has no use for; by default they are accepted.
 */
export function isStrictInput(c: Context<AppEnv>): boolean {
  const query = c.req.query("strict");
  if (query === "true" || query === "1") return true;
  if (query === "false" || query === "0") return false;
  return c.get("gatewayConfig").strictInput === true;
}

/**
 * Splits a body validated by the loose form of `schema` into the fields `schema` knows and warnings for
 * the rest. In strict mode a body with unknown fields fails exactly as the strict schema would fail.
 */
export function acceptKnownFields<S extends z.ZodObject>(
  c: Context<AppEnv>,
  schema: S,
  body: Record<string, unknown>,
  ignoredBecause: Record<string, string> = {},
): { fields: z.infer<S>; warnings: InputWarning[] } {
  const unknown = Object.keys(body).filter((key) => !(key in schema.shape));
  if (unknown.length === 0) return { fields: body as z.infer<S>, warnings: [] };
  if (isStrictInput(c)) {
    const result = schema.strict().safeParse(body);
    if (!result.success) throw validationError(result.error, "json");
  }
  const fields = Object.fromEntries(
    Object.entries(body).filter(([key]) => key in schema.shape),
  ) as z.infer<S>;
  const warnings = unknown.map((field) => ({
    field,
    message: ignoredBecause[field] ?? "unknown field; ignored",
  }));
  return { fields, warnings };
}

/** Adds `warnings` to an answer when there are any (answers without ignored fields stay as they were). */
export function withWarnings<T extends object>(answer: T, warnings: InputWarning[]): T {
  return warnings.length > 0 ? { ...answer, warnings } : answer;
}
