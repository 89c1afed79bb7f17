import { MemoryEntrySchema } from "../../storage/memory.js";

export type { MemoryEntry } from "../../storage/memory.js";

import type { MemoryEntry } from "../../storage/memory.js";

/** A memory entry as answered (OpenVesper's shape). */
export const MemoryEntryViewSchema = MemoryEntrySchema.openapi("MemoryEntry");

/** A search hit: the entry and its relevance (higher is more relevant). */
export const MemoryHitSchema = MemoryEntrySchema.extend({
  score: MemoryEntrySchema.shape.createdAt.openapi({ description: "Relevance; higher first" }),
}).openapi("MemoryHit");

export type MemoryHit = MemoryEntry & { score: number };

export interface MemoryInput {
  content: string;
  tags?: string[];
  sessionKey?: string;
  /** Forget the entry this long after it is written. */
  ttlMs?: number;
}

/** Notes per agent with ranked full-text search (Node: the index library loads on first use). */
export interface MemoryService {
  /** Newest first; expired entries are left out. */
  list(agent: string, filter?: { tag?: string; sessionKey?: string }): Promise<MemoryEntry[]>;
  add(agent: string, input: MemoryInput): Promise<MemoryEntry>;
  /** Most relevant first. */
  search(agent: string, query: string, limit: number): Promise<MemoryHit[]>;
  /** False when the agent has no such entry. */
  remove(agent: string, id: string): Promise<boolean>;
  /** How many entries were removed. */
  clear(agent: string): Promise<number>;
}
