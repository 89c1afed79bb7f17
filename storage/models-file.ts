import { StorageError } from "./errors.js";
import { PricingSchema } from "./provider-schema.js";
import { describeIssues } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/** One entry of `models.yaml` (global, or a workspace's overrides). */
const ModelFileEntrySchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    provider_id: z.string().optional(),
    context_window: z.number().int().positive().optional(),
    max_output_tokens: z.number().int().positive().optional(),
    pricing: PricingSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .loose();

const ModelsFileSchema = z.object({ models: z.array(ModelFileEntrySchema).default([]) }).loose();

export type ModelFileEntry = z.infer<typeof ModelFileEntrySchema>;

export const MODELS_KEY = "models.yaml";

/** The entries of a scope's models.yaml, null without one; a file that does not validate is a 422. */
export async function readModelsFile(scope: Scope): Promise<ModelFileEntry[] | null> {
  const stored = await scope.store.read(MODELS_KEY);
  if (!stored) return null;
  const parsed = ModelsFileSchema.safeParse(stored.data);
  if (!parsed.success) {
    throw new StorageError(
      "corrupt",
      "INVALID_MODELS_FILE",
      `${scope.store.pathOf(MODELS_KEY)}: ${describeIssues(parsed.error).message}`,
    );
  }
  return parsed.data.models;
}
