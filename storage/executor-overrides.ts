import type { ExecutorId } from "./executor-types.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/** `~/.viben/executors/<ID>.yaml`: where to find an executor and how to start it. */
export const ExecutorOverrideSchema = z
  .object({
    command: z.string().min(1).optional(),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    disabled: z.boolean().optional(),
  })
  .loose();

export type ExecutorOverride = z.infer<typeof ExecutorOverrideSchema>;

export async function readExecutorOverride(scope: Scope, id: ExecutorId): Promise<ExecutorOverride | null> {
  const stored = await scope.store.read(`executors:${id}.yaml`).catch(() => null);
  if (!stored) return null;
  const parsed = ExecutorOverrideSchema.safeParse(stored.data);
  return parsed.success ? parsed.data : null;
}
