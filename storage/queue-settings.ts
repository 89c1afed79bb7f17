import { z } from "./zod.js";

/** gateway.yaml `queue:`: lane limits and the retry policy of the run queue. */
export const QueueSettingsSchema = z
  .object({
    /** Jobs running at once, all lanes together. */
    concurrency: z.number().int().min(1).max(1000).optional(),
    /** Jobs of one agent running at once. */
    per_agent: z.number().int().min(1).max(1000).optional(),
    /** Jobs of one workspace running at once. */
    per_workspace: z.number().int().min(1).max(1000).optional(),
    /** First retry delay; doubled for each further attempt. */
    backoff_ms: z.number().int().min(0).max(86_400_000).optional(),
    /** Upper bound of the retry delay. */
    max_backoff_ms: z.number().int().min(0).max(86_400_000).optional(),
    /** Finished jobs kept (newest first) when the journal is compacted at start. */
    retain_finished: z.number().int().min(0).max(1_000_000).optional(),
  })
  .loose();

export type QueueSettingsInput = z.infer<typeof QueueSettingsSchema>;

export interface QueueSettings {
  concurrency: number;
  per_agent: number;
  per_workspace: number;
  backoff_ms: number;
  max_backoff_ms: number;
  retain_finished: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  concurrency: 4,
  per_agent: 1,
  per_workspace: 2,
  backoff_ms: 1000,
  max_backoff_ms: 300_000,
  retain_finished: 1000,
};

export function compileQueueSettings(input: QueueSettingsInput | undefined): QueueSettings {
  const settings = { ...DEFAULT_QUEUE_SETTINGS };
  for (const key of Object.keys(DEFAULT_QUEUE_SETTINGS) as (keyof QueueSettings)[]) {
    const value = input?.[key];
    if (typeof value === "number") settings[key] = value;
  }
  return settings;
}
