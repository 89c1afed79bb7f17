import { z } from "@hono/zod-openapi";
import { canonicalProviderType, PROVIDER_TYPE_INPUTS } from "../../storage/provider-type-aliases.js";
import type { ProviderType } from "../../storage/provider-types.js";
import { ProviderViewSchema } from "./provider-views.js";

// How provider create and update bodies from Viben's desktop are taken: its extra fields and type names.

/**
 * Fields Viben's desktop sends that this gateway has no use for (Azure deployments, media surfaces,
 * client timeouts): accepted so that its forms work, named back in `ignored_fields`, never stored.
 */
export const VibenExtraFields = {
  api_version: z.string().optional(),
  deployment: z.string().optional(),
  timeout: z.number().optional(),
  max_retries: z.number().optional(),
  supports_custom_model: z.boolean().optional(),
  category: z.string().optional(),
  surfaces: z.array(z.string()).optional(),
};
type VibenExtras = { [K in keyof typeof VibenExtraFields]?: unknown };
const EXTRA_NAMES = Object.keys(VibenExtraFields) as (keyof typeof VibenExtraFields)[];

/** Splits Viben's unused fields off a body; `ignored` names the ones that were given. */
export function withoutExtras<T extends VibenExtras>(
  body: T,
): { fields: Omit<T, keyof VibenExtras>; ignored: string[] } {
  const fields: Record<string, unknown> = { ...body };
  const ignored: string[] = [];
  for (const name of EXTRA_NAMES) {
    if (fields[name] !== undefined) ignored.push(name);
    delete fields[name];
  }
  return { fields: fields as Omit<T, keyof VibenExtras>, ignored };
}

/** Our types and Viben's aliases for them (`ollama`, `groq`, `openrouter`, …). */
export const TypeInputSchema = z
  .enum(PROVIDER_TYPE_INPUTS, { message: `must be one of ${PROVIDER_TYPE_INPUTS.join(", ")}` })
  .openapi({ description: "Viben's aliases are stored as the type they speak, with their API root" });

/**
 * Turns an alias `type` into ours. On create, its API root fills a missing `base_url`; an update keeps
 * the provider's own address (the desktop sends `type` with every edit).
 */
export function withCanonicalType<T extends { type?: string; base_url?: string | null }>(
  body: T,
  fillBaseUrl: boolean,
): Omit<T, "type"> & { type?: ProviderType } {
  if (body.type === undefined) return body as Omit<T, "type">;
  const canonical = canonicalProviderType(body.type, body.base_url);
  if (!fillBaseUrl) return { ...body, type: canonical.type };
  return {
    ...body,
    type: canonical.type,
    ...(canonical.base_url !== undefined ? { base_url: canonical.base_url } : {}),
  };
}

const IgnoredFields = z
  .array(z.string())
  .optional()
  .openapi({ description: "Fields of Viben's desktop that were accepted but are not used here" });
export const ProviderWriteViewSchema = ProviderViewSchema.extend({ ignored_fields: IgnoredFields }).openapi(
  "ProviderWrite",
);
