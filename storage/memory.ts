import { invalid, StorageError } from "./errors.js";
import type { Scope } from "./scopes.js";
import { z } from "./zod.js";

/**
 * A memory entry as OpenVesper keeps it (openvesper/openvesper apps/gateway/src/memory-engine.ts):
 * camelCase, times in epoch ms.
 */
export const MemoryEntrySchema = z
  .object({
    id: z.string().min(1),
    agent: z.string().min(1),
    content: z.string(),
    tags: z.array(z.string()).optional(),
    sessionKey: z.string().optional(),
    /** Epoch ms after which the entry is gone. */
    expiresAt: z.number().optional(),
    createdAt: z.number(),
    /** Last time a search returned it. */
    lastAccessedAt: z.number(),
  })
  .loose();

export type MemoryEntry = z.infer<typeof MemoryEntrySchema>;

/** An agent's entries; `revision` changes with every added or removed entry (the index records the one it covers). */
export interface MemoryFile {
  revision: number;
  entries: MemoryEntry[];
}

const MemoryFileSchema = z.object({ revision: z.number(), entries: z.array(MemoryEntrySchema) });

const BASE = "memory";
const entriesKey = (agent: string) => `${BASE}:${agent}:entries.json`;
const indexKey = (agent: string) => `${BASE}:${agent}:index.json`;

/**
 * `memory/<agent>/entries.json` (the entries) and `memory/<agent>/index.json` (the search index built from
 * them, opaque here) in the global data folder, each replaced atomically as a whole. The entries are the
 * truth: an index that is missing, unreadable or of another revision is rebuilt from them by its owner.
 */
export class MemoryRepository {
  constructor(private readonly scope: Scope) {}

  async readEntries(agent: string): Promise<MemoryFile> {
    const text = await this.scope.store.readRaw(entriesKey(agent));
    if (text === null) return { revision: 0, entries: [] };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(agent, (error as Error).message);
    }
    const result = MemoryFileSchema.safeParse(parsed);
    if (!result.success) throw this.corrupt(agent, result.error.issues[0]?.message ?? "invalid");
    return result.data;
  }

  async writeEntries(agent: string, file: MemoryFile): Promise<void> {
    await this.scope.store.writeRaw(entriesKey(agent), JSON.stringify(file));
  }

  /** The stored index text and the revision it covers; null when absent or unreadable. */
  async readIndex(agent: string): Promise<{ revision: number; index: string } | null> {
    const text = await this.scope.store.readRaw(indexKey(agent)).catch(() => null);
    if (text === null) return null;
    try {
      const parsed = JSON.parse(text) as { revision?: unknown; index?: unknown };
      if (typeof parsed.revision !== "number" || typeof parsed.index !== "string") return null;
      return { revision: parsed.revision, index: parsed.index };
    } catch {
      return null;
    }
  }

  async writeIndex(agent: string, revision: number, index: string): Promise<void> {
    await this.scope.store.writeRaw(indexKey(agent), JSON.stringify({ revision, index }));
  }

  async clear(agent: string): Promise<void> {
    await this.scope.store.remove([entriesKey(agent), indexKey(agent)]);
  }

  private corrupt(agent: string, reason: string) {
    const path = this.scope.store.pathOf(entriesKey(agent));
    return new StorageError("corrupt", "INVALID_MEMORY_FILE", `${path}: ${reason}`, { file: path, agent });
  }
}

/** Refuses tags that are not short non-empty strings. */
export function checkTags(tags: unknown): string[] | undefined {
  if (tags === undefined) return undefined;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string" || t.trim() === "" || t.length > 100))
    throw invalid("tags", "must be a list of non-empty strings of at most 100 characters");
  return tags as string[];
}
