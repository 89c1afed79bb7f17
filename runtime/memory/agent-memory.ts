import type MiniSearch from "minisearch";
import type { Options } from "minisearch";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type {
  MemoryEntry,
  MemoryHit,
  MemoryInput,
  MemoryService,
} from "../../handlers/capabilities/memory.js";
import { assertValidId } from "../../storage/ids.js";
import { KeyedMutex } from "../../storage/lock.js";
import type { MemoryFile, MemoryRepository } from "../../storage/memory.js";

export interface AgentMemoryOptions {
  repository: MemoryRepository;
  logger: Logger;
  now?: () => number;
  newId?: () => string;
}

/** One agent's entries and their index, as loaded. */
interface Loaded {
  file: MemoryFile;
  index: MiniSearch<MemoryEntry>;
}

// Content counts most; tags are searchable words too. Prefix and light fuzzy matching find "deploy" in
// "deployment" and forgive a typo; BM25 (MiniSearch's ranking) puts the most relevant entries first.
const INDEX_OPTIONS: Options<MemoryEntry> = {
  fields: ["content", "tags"],
  extractField: (entry, field) => {
    const value = (entry as unknown as Record<string, unknown>)[field];
    return Array.isArray(value) ? value.join(" ") : ((value as string | undefined) ?? "");
  },
  searchOptions: { boost: { content: 2 }, prefix: true, fuzzy: 0.2, combineWith: "OR" },
  // The index is written whole after each change: no background vacuuming that outlives the call.
  autoVacuum: false,
};

/**
 * Agents' memory (OpenVesper's memory engine) with ranked full-text search from MiniSearch. Each agent's
 * entries and index are loaded on first use and kept; every change writes the entries, then the index,
 * each atomically. An index that is missing, unreadable or behind the entries is rebuilt and rewritten.
 * MiniSearch itself is imported on first use, not at start-up.
 */
export class AgentMemory implements MemoryService {
  private readonly loaded = new Map<string, Promise<Loaded>>();
  private readonly mutex = new KeyedMutex();
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: AgentMemoryOptions) {
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? (() => `m_${this.now()}_${crypto.randomUUID().slice(0, 8)}`);
  }

  async list(agent: string, filter: { tag?: string; sessionKey?: string } = {}): Promise<MemoryEntry[]> {
    const { file } = await this.load(agent);
    return this.live(file)
      .filter(
        (e) =>
          (!filter.tag || e.tags?.includes(filter.tag)) &&
          (!filter.sessionKey || e.sessionKey === filter.sessionKey),
      )
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((e) => ({ ...e }));
  }

  add(agent: string, input: MemoryInput): Promise<MemoryEntry> {
    return this.change(agent, async (state) => {
      const now = this.now();
      const entry: MemoryEntry = {
        id: this.newId(),
        agent,
        content: input.content,
        ...(input.tags?.length ? { tags: input.tags } : {}),
        ...(input.sessionKey ? { sessionKey: input.sessionKey } : {}),
        ...(input.ttlMs ? { expiresAt: now + input.ttlMs } : {}),
        createdAt: now,
        lastAccessedAt: now,
      };
      state.file.entries.push(entry);
      state.index.add(entry);
      return { ...entry };
    });
  }

  async search(agent: string, query: string, limit: number): Promise<MemoryHit[]> {
    const { file, index } = await this.load(agent);
    const byId = new Map(this.live(file).map((e) => [e.id, e]));
    const hits: MemoryHit[] = [];
    for (const result of index.search(query)) {
      const entry = byId.get(result.id as string);
      if (!entry) continue;
      hits.push({ ...entry, score: result.score });
      if (hits.length >= limit) break;
    }
    if (hits.length > 0) await this.touch(agent, hits);
    return hits;
  }

  remove(agent: string, id: string): Promise<boolean> {
    return this.change(agent, async (state) => {
      const at = state.file.entries.findIndex((e) => e.id === id);
      if (at < 0) return false;
      state.file.entries.splice(at, 1);
      state.index.discard(id);
      return true;
    });
  }

  async clear(agent: string): Promise<number> {
    assertValidId(agent, "agent");
    return this.mutex.run(agent, async () => {
      const { file } = await this.load(agent);
      const count = this.live(file).length;
      await this.options.repository.clear(agent);
      this.loaded.delete(agent);
      return count;
    });
  }

  /** Entries whose time is not up. */
  private live(file: MemoryFile): MemoryEntry[] {
    const now = this.now();
    return file.entries.filter((e) => e.expiresAt === undefined || e.expiresAt > now);
  }

  /** One change of one agent's memory: entries written, then the index of that revision. */
  private change<T>(agent: string, mutate: (state: Loaded) => Promise<T>): Promise<T> {
    assertValidId(agent, "agent");
    return this.mutex.run(agent, async () => {
      const state = await this.load(agent);
      // Expired entries leave with the next change.
      const live = new Set(this.live(state.file));
      for (const entry of state.file.entries) if (!live.has(entry)) state.index.discard(entry.id);
      state.file.entries = state.file.entries.filter((e) => live.has(e));
      try {
        const result = await mutate(state);
        state.file.revision += 1;
        await this.options.repository.writeEntries(agent, state.file);
        await this.options.repository.writeIndex(agent, state.file.revision, JSON.stringify(state.index));
        return result;
      } catch (error) {
        // What is in memory may be ahead of the files now: read them again next time.
        this.loaded.delete(agent);
        throw error;
      }
    });
  }

  /** Records when a search last returned each entry (the original's lastAccessedAt); the index is unchanged. */
  private async touch(agent: string, hits: MemoryHit[]): Promise<void> {
    await this.mutex.run(agent, async () => {
      const { file } = await this.load(agent);
      const now = this.now();
      for (const hit of hits) {
        const entry = file.entries.find((e) => e.id === hit.id);
        if (entry) entry.lastAccessedAt = now;
      }
      await this.options.repository.writeEntries(agent, file).catch((error: unknown) =>
        this.options.logger.warn({
          msg: "memory: could not record access",
          error: (error as Error).message,
        }),
      );
    });
  }

  private load(agent: string): Promise<Loaded> {
    assertValidId(agent, "agent");
    let loading = this.loaded.get(agent);
    if (!loading) {
      loading = this.read(agent);
      loading.catch(() => this.loaded.delete(agent));
      this.loaded.set(agent, loading);
    }
    return loading;
  }

  private async read(agent: string): Promise<Loaded> {
    const { default: MiniSearchClass } = await import("minisearch");
    const { repository, logger } = this.options;
    const file = await repository.readEntries(agent);
    const stored = await repository.readIndex(agent);
    if (stored && stored.revision === file.revision) {
      try {
        const index = MiniSearchClass.loadJSON<MemoryEntry>(stored.index, INDEX_OPTIONS);
        if (index.documentCount === file.entries.length) return { file, index };
      } catch {
        // Unreadable: rebuilt below.
      }
    }
    const index = new MiniSearchClass<MemoryEntry>(INDEX_OPTIONS);
    index.addAll(file.entries);
    if (file.entries.length > 0 || stored) {
      logger.info({ msg: "memory index rebuilt", agent, entries: file.entries.length });
      await repository.writeIndex(agent, file.revision, JSON.stringify(index));
    }
    return { file, index };
  }
}
