import { z } from "zod";
import type { Scope } from "./scopes.js";

/** The part of a provider file (`<root>/providers/<id>.yaml`) that model discovery needs. */
const ProviderFileSchema = z.object({ name: z.string().optional(), type: z.string().optional() }).loose();

export interface ProviderSummary {
  id: string;
  name: string;
  source: "global" | "workspace";
}

/** Providers configured as files in the given scopes, workspace first. */
export async function listProviderFiles(scopes: Scope[]): Promise<ProviderSummary[]> {
  const found = new Map<string, ProviderSummary>();
  for (const scope of scopes) {
    for (const key of await scope.store.keys("providers")) {
      const id = /^([^:]+)\.yaml$/.exec(key)?.[1];
      if (!id || found.has(id)) continue;
      const stored = await scope.store.read(`providers:${key}`).catch(() => null);
      const parsed = ProviderFileSchema.safeParse(stored?.data ?? {});
      found.set(id, {
        id,
        name: (parsed.success && parsed.data.name) || id,
        source: scope.kind,
      });
    }
  }
  return [...found.values()];
}
