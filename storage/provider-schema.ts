import { PROVIDER_TYPES } from "./provider-types.js";
import { isoTimestamp } from "./schema-helpers.js";
import { z } from "./zod.js";

/** Prices in cents per million tokens. */
export const PricingSchema = z
  .object({
    input: z.number().nonnegative(),
    output: z.number().nonnegative(),
    cache_read: z.number().nonnegative().optional(),
    cache_write: z.number().nonnegative().optional(),
  })
  .loose();

export const ProviderModelSchema = z
  .object({
    id: z.string().trim().min(1, "must not be empty").max(300),
    name: z.string().max(300).optional(),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    pricing: PricingSchema.optional(),
  })
  .loose();

export type ProviderModel = z.infer<typeof ProviderModelSchema>;

/**
 * An http(s) URL without credentials: secrets belong in `api_key` or `headers`, which are redacted; a
 * URL is shown as it is.
 */
export const baseUrlSchema = z
  .string()
  .max(2000)
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "must be an http(s) URL, e.g. http://127.0.0.1:11434/v1" });
      return;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      ctx.addIssue({ code: "custom", message: "must be an http(s) URL" });
    } else if (url.username || url.password) {
      ctx.addIssue({ code: "custom", message: "must not contain credentials; use api_key or headers" });
    }
  });

// RFC 9110 token characters; values may not break the header line.
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be a valid HTTP header name");
const headerValue = z
  .string()
  .max(8000)
  .regex(/^[^\r\n\u0000]*$/, "must not contain line breaks or NUL");

/** The editable fields of `<root>/providers/<id>.yaml`. */
export const ProviderFieldsSchema = z.object({
  name: z.string().trim().min(1, "must not be empty").max(200),
  type: z.enum(PROVIDER_TYPES, { message: `must be one of ${PROVIDER_TYPES.join(", ")}` }),
  base_url: baseUrlSchema,
  /** A literal key or a `${ENV}` reference. */
  api_key: z.string().min(1, "must not be empty").max(10_000),
  headers: z.record(headerName, headerValue),
  models: z.array(ProviderModelSchema).max(10_000),
  /** `false` switches the provider off without deleting it (Viben's enable/disable); on when absent. */
  enabled: z.boolean({ message: "must be true or false" }),
});

export type ProviderFields = z.infer<typeof ProviderFieldsSchema>;

/** A stored provider file: known fields validated, keys written by hand kept. */
export const ProviderConfigSchema = ProviderFieldsSchema.partial()
  .extend({
    type: ProviderFieldsSchema.shape.type,
    created_at: isoTimestamp.optional(),
    updated_at: isoTimestamp.optional(),
  })
  .loose();

export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

/** Why a configuration cannot be used, independent of the environment; undefined when complete. */
export function connectionProblem(config: Pick<ProviderConfig, "type" | "base_url">): string | undefined {
  if (config.type === "openai-compatible" && !config.base_url) {
    return "base_url: is required for openai-compatible providers";
  }
  return undefined;
}
