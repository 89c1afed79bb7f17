import { z } from "@hono/zod-openapi";
import { resolveProviderRecord } from "../../storage/provider-resolve.js";
import type { ProviderRecord } from "../../storage/providers.js";
import { redactRecord, redactSecret } from "../../storage/rules/redact.js";
import { type ProviderCheck, ProviderCheckSchema } from "../capabilities/providers.js";
import type { Services } from "../context.js";

const PricingViewSchema = z
  .object({
    input: z.number(),
    output: z.number(),
    cache_read: z.number().optional(),
    cache_write: z.number().optional(),
  })
  .openapi({ description: "Cents per million tokens" });

/** The check as the test route answers it: which provider, then the check itself. */
export const ProviderCheckViewSchema = z
  .object({
    provider_id: z.string(),
    ...ProviderCheckSchema.shape,
    connected: z.boolean().openapi({ description: "Viben's name for `ok`" }),
    latency: z.number().openapi({ description: "Viben's name for `latency_ms` (milliseconds)" }),
  })
  .openapi("ProviderCheck");

/** The check with Viben's field names beside ours. */
export function providerCheckView(
  providerId: string,
  check: ProviderCheck,
): z.infer<typeof ProviderCheckViewSchema> {
  return { provider_id: providerId, ...check, connected: check.ok, latency: check.latency_ms };
}

export const ProviderViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    base_url: z.string().optional(),
    api_key: z
      .string()
      .optional()
      .openapi({ description: "`${NAME}` for an environment reference, else `***`; never the key" }),
    has_api_key: z.boolean(),
    headers: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Values masked as `***` unless `${NAME}` references" }),
    models: z
      .array(
        z.object({
          id: z.string(),
          name: z.string().optional(),
          context_window: z.number().optional(),
          max_output_tokens: z.number().optional(),
          pricing: PricingViewSchema.optional(),
        }),
      )
      .optional(),
    source: z.enum(["global", "workspace", "builtin"]),
    workspace_path: z.string(),
    config_path: z.string().optional(),
    is_configured: z.boolean(),
    reason: z.string().nullable().openapi({ description: "Why the provider is not configured" }),
    enabled: z
      .boolean()
      .openapi({ description: "False when switched off (POST /api/providers/{id}/disable)" }),
    is_default: z.boolean(),
    category: z
      .literal("llm")
      .openapi({ description: "Viben's provider category: every provider here serves chat" }),
    surfaces: z.array(z.literal("chat")),
    last_check: ProviderCheckSchema.omit({ models: true })
      .extend({ model_count: z.number().int() })
      .optional(),
    created_at: z.string().optional(),
    updated_at: z.string().optional(),
  })
  .openapi("Provider");

export type ProviderView = z.infer<typeof ProviderViewSchema>;

function modelView(model: NonNullable<ProviderRecord["config"]["models"]>[number]) {
  const { pricing } = model;
  return {
    id: model.id,
    ...(model.name !== undefined ? { name: model.name } : {}),
    ...(model.context_window !== undefined ? { context_window: model.context_window } : {}),
    ...(model.max_output_tokens !== undefined ? { max_output_tokens: model.max_output_tokens } : {}),
    ...(pricing
      ? {
          pricing: {
            input: pricing.input,
            output: pricing.output,
            ...(pricing.cache_read !== undefined ? { cache_read: pricing.cache_read } : {}),
            ...(pricing.cache_write !== undefined ? { cache_write: pricing.cache_write } : {}),
          },
        }
      : {}),
  };
}

function lastCheckView(check: ProviderCheck | undefined): ProviderView["last_check"] {
  if (!check) return undefined;
  const { models, ...rest } = check;
  return { ...rest, model_count: models.length };
}

/**
 * A provider as clients see it: known fields only (keys written by hand stay in the file but may hold
 * credentials, so they are not echoed), the key and header values redacted, and whether it resolves.
 */
export function providerView(
  services: Services,
  record: ProviderRecord,
  defaultProviderId: string | null,
): ProviderView {
  const { config } = record;
  const resolution = resolveProviderRecord(record, services.env);
  const last = resolution.configured ? services.providerChecks?.last(resolution.provider) : undefined;
  return {
    id: record.id,
    name: config.name ?? record.id,
    type: config.type,
    ...(config.base_url ? { base_url: config.base_url } : {}),
    ...(config.api_key !== undefined ? { api_key: redactSecret(config.api_key) } : {}),
    has_api_key: config.api_key !== undefined,
    ...(config.headers ? { headers: redactRecord(config.headers) as Record<string, string> } : {}),
    ...(config.models ? { models: config.models.map(modelView) } : {}),
    source: record.source,
    workspace_path: record.scope.workspacePath,
    ...(record.configPath ? { config_path: record.configPath } : {}),
    is_configured: resolution.configured,
    reason: resolution.configured ? null : resolution.reason,
    enabled: config.enabled !== false,
    is_default: record.id === defaultProviderId,
    category: "llm",
    surfaces: ["chat"],
    ...(last ? { last_check: lastCheckView(last) } : {}),
    ...(config.created_at ? { created_at: config.created_at } : {}),
    ...(config.updated_at ? { updated_at: config.updated_at } : {}),
  };
}
