import type { Storage } from "unstorage";
import { z } from "zod";

/**
 * Keys the edge keeps outside the published storage roots (so a publish, which mirrors the roots,
 * never touches them): what was published, the executor snapshot, and the webhook inbox.
 */
export const EDGE_KEYS = {
  manifest: "edge:manifest",
  executors: "edge:executors",
  inbox: "inbox",
  inboxDone: "inbox-done",
} as const;

/** `edge:manifest`: where the published data came from, so the edge shows the local gateway's paths. */
export const EdgeManifestSchema = z.object({
  format: z.literal(1),
  /** The local gateway's home directory (its global workspace). */
  home: z.string().startsWith("/"),
  /** Its global root (`~/.viben`, or VIBEN_HOME). */
  global_root: z.string().startsWith("/"),
  /** Workspaces whose `.viben` was published too (their `workspace_path` works at the edge). */
  workspaces: z.array(z.string().startsWith("/")).default([]),
  published_at: z.string(),
  gateway_version: z.string(),
  /** How many storage keys the publish wrote. */
  keys: z.number().int().nonnegative(),
});

export type EdgeManifest = z.infer<typeof EdgeManifestSchema>;

/** Reads a JSON value written by the publish command; null when absent or not what `schema` expects. */
export async function readPublished<T>(kv: Storage, key: string, schema: z.ZodType<T>): Promise<T | null> {
  const raw = await kv.getItemRaw(key);
  if (typeof raw !== "string") return null;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
