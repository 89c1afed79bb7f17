import type { Document } from "yaml";
import type { ScopeBackend } from "./backend.js";
import { StorageError } from "./errors.js";
import { KeyedMutex } from "./lock.js";
import {
  newYamlDocument,
  parseDocumentText,
  parseYamlDocument,
  stringifyYaml,
  yamlToObject,
} from "./yaml.js";

export interface StoredDocument {
  readonly key: string;
  readonly data: Record<string, unknown>;
}

/** How many written documents are kept for the next update (one per live session at most; cleared when full). */
const MAX_WRITTEN_DOCS = 256;

const folderOf = (key: string): string => key.split(":")[0] ?? key;

export interface WriteOptions {
  /**
   * false: atomic but not fsync'd (a power loss may bring back the previous version). Only for metadata
   * the gateway can rebuild or repair, written often on a run's hot path.
   */
  durable?: boolean;
}

/**
 * YAML documents under one storage root, with a parsed-document cache that is invalidated by our own
 * writes (synchronously, so the API never serves stale data after a write) and by the backend's change
 * notifications (hand edits). Without notifications nothing is cached.
 */
export class DocumentStore {
  private readonly mutex = new KeyedMutex();
  private readonly docs = new Map<string, StoredDocument | null>();
  private readonly listings = new Map<string, string[]>();
  /** The documents this store last wrote, by key, while caching (see update). Bounded; a miss only reads. */
  private readonly written = new Map<string, Document>();
  /** The same for records (see updateRecord): the JSON text written, parsed again for each update's copy. */
  private readonly writtenRecords = new Map<string, string>();
  private watching: Promise<boolean> | undefined;
  private caching = false;
  // Per top-level folder (`agents`, `sessions`, …), so a session write does not void parsed agents.
  private readonly folderGenerations = new Map<string, number>();

  constructor(
    private readonly backend: ScopeBackend,
    readonly root: string,
  ) {}

  /**
   * Changes whenever a key under one top-level folder or file (`agents`, `gateway.yaml`) may have changed.
   * Derived caches (parsed records) are valid while it stays the same; it is only meaningful while
   * `cachesReads` is true.
   */
  generationOf(folder: string): number {
    return this.folderGenerations.get(folder) ?? 0;
  }

  get cachesReads(): boolean {
    return this.caching;
  }

  /** Absolute display path of a key inside this root. */
  pathOf(key: string): string {
    return `${this.root}/${key.split(":").join("/")}`;
  }

  async read(key: string): Promise<StoredDocument | null> {
    this.ensureWatching();
    // Only what was read while the watcher was already watching may be cached.
    const caching = this.caching;
    if (caching && this.docs.has(key)) return this.docs.get(key) ?? null;
    const generation = this.generationOf(folderOf(key));
    const text = await this.readText(key);
    const stored = text === null ? null : { key, data: parseDocumentText(text, key) };
    // A write that landed while this read was on disk made what it read stale: serve it, never cache it.
    if (caching && generation === this.generationOf(folderOf(key))) this.docs.set(key, stored);
    return stored;
  }

  /** Keys under `base` (`a:b`), without the base prefix, sorted. */
  async keys(base: string): Promise<string[]> {
    this.ensureWatching();
    const caching = this.caching;
    const cached = caching ? this.listings.get(base) : undefined;
    if (cached) return cached;
    const prefix = `${base}:`;
    const generation = this.generationOf(folderOf(base));
    const keys = (await this.backend.storage.getKeys(base))
      .filter((k) => k.startsWith(prefix) && !k.endsWith(".tmp"))
      .map((k) => k.slice(prefix.length))
      .sort();
    if (caching && generation === this.generationOf(folderOf(base))) this.listings.set(base, keys);
    return keys;
  }

  /**
   * Read-modify-write of one document, serialised per key. `mutate` receives the parsed document (or null)
   * and returns the document to store, or null to leave the file untouched.
   */
  async update(
    key: string,
    mutate: (current: Document | null) => Document | null,
    options: WriteOptions = {},
  ): Promise<StoredDocument | null> {
    return this.mutex.run(key, async () => {
      const current = await this.currentDocument(key);
      const next = mutate(current);
      if (!next) return null;
      await this.backend.storage.setItem(key, stringifyYaml(next), options);
      this.invalidate(key);
      const stored = { key, data: yamlToObject(next) };
      // What was just written is what a read or the next update would parse back (a session is written
      // ~4 times per run): kept under the same rule as read()'s cache, so the watcher voids it.
      if (this.caching) {
        if (this.written.size >= MAX_WRITTEN_DOCS) this.written.clear();
        this.written.set(key, next);
        this.docs.set(key, stored);
      }
      return stored;
    });
  }

  async write(
    key: string,
    value: Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<StoredDocument> {
    const stored = await this.update(key, () => newYamlDocument(value), options);
    return stored!;
  }

  /**
   * Read-modify-write of a record the gateway keeps for itself (a session's metadata, a run's record) as
   * plain data, serialised per key, written as JSON, which is YAML too. A YAML document costs ~100 µs to
   * write and ~300 µs to parse back; JSON ~2 µs either way, and a run writes such records several times.
   * A record written by hand (any YAML) is read the same; its comments are not kept.
   */
  async updateRecord(
    key: string,
    mutate: (current: Record<string, unknown> | null) => Record<string, unknown> | null,
    options: WriteOptions = {},
  ): Promise<StoredDocument | null> {
    return this.mutex.run(key, async () => {
      const next = mutate(await this.currentRecord(key));
      return next ? this.storeRecord(key, next, options) : null;
    });
  }

  /** Writes a record (see updateRecord) whatever was there, without reading it first. */
  async writeRecord(
    key: string,
    value: Record<string, unknown>,
    options: WriteOptions = {},
  ): Promise<StoredDocument> {
    return this.mutex.run(key, () => this.storeRecord(key, value, options));
  }

  /** Writes a record under the key's lock, and keeps its text for the next update. */
  private async storeRecord(
    key: string,
    next: Record<string, unknown>,
    options: WriteOptions,
  ): Promise<StoredDocument> {
    const text = `${JSON.stringify(next, null, 2)}\n`;
    await this.backend.storage.setItem(key, text, options);
    this.invalidate(key);
    // Parsed back: what is returned and cached shares nothing with the object given.
    const stored = { key, data: JSON.parse(text) as Record<string, unknown> };
    if (this.caching) {
      if (this.writtenRecords.size >= MAX_WRITTEN_DOCS) this.writtenRecords.clear();
      this.writtenRecords.set(key, text);
      this.docs.set(key, stored);
    }
    return stored;
  }

  /** Writes a new record (see updateRecord) unless the key exists; resolves null when it did. */
  createRecordIfAbsent(key: string, value: Record<string, unknown>): Promise<StoredDocument | null> {
    return this.updateRecord(key, (current) => (current ? null : value));
  }

  emptyDocument(): Document {
    return newYamlDocument({});
  }

  /** Writes a new document unless the key exists; resolves null when it did. */
  async createIfAbsent(key: string, value: Record<string, unknown>): Promise<StoredDocument | null> {
    return this.update(key, (doc) => (doc ? null : newYamlDocument(value)));
  }

  async remove(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.mutex.run(key, async () => {
        await this.backend.storage.removeItem(key);
        this.invalidate(key);
      });
    }
  }

  async readRaw(key: string): Promise<string | null> {
    return this.readText(key);
  }

  async writeRaw(key: string, text: string): Promise<void> {
    await this.mutex.run(key, async () => {
      await this.backend.storage.setItem(key, text);
      this.invalidate(key);
    });
  }

  async dispose(): Promise<void> {
    await this.backend.dispose();
  }

  /** The document to update: a copy of the one this store last wrote, or the file parsed. */
  private async currentDocument(key: string): Promise<Document | null> {
    const written = this.caching ? this.written.get(key) : undefined;
    // A copy: `mutate` edits it in place and may still throw or decline to write.
    if (written) return written.clone();
    const text = await this.readText(key);
    return text === null ? null : parseYamlDocument(text, key);
  }

  /** The record to update: a copy of the one this store last wrote, or the file parsed. */
  private async currentRecord(key: string): Promise<Record<string, unknown> | null> {
    const written = this.caching ? this.writtenRecords.get(key) : undefined;
    if (written !== undefined) return JSON.parse(written) as Record<string, unknown>;
    const text = await this.readText(key);
    return text === null ? null : parseDocumentText(text, key);
  }

  private async readText(key: string): Promise<string | null> {
    const value = await this.backend.storage.getItemRaw(key);
    if (value === null || value === undefined) return null;
    if (typeof value === "string") return value;
    if (value instanceof Uint8Array) return new TextDecoder().decode(value);
    throw new StorageError("corrupt", "INVALID_DOCUMENT", `${key}: unexpected stored value`, { key });
  }

  private invalidate(key: string): void {
    const folder = folderOf(key);
    this.folderGenerations.set(folder, this.generationOf(folder) + 1);
    this.docs.delete(key);
    this.written.delete(key);
    this.writtenRecords.delete(key);
    for (const base of this.listings.keys()) {
      if (key === base || key.startsWith(`${base}:`)) this.listings.delete(base);
    }
  }

  /**
   * Starts the watcher without waiting for it: until it is ready (its first scan of the root done), reads
   * go to the backend and nothing is cached, so a large root does not hold up start-up or a first request.
   */
  private ensureWatching(): void {
    if (this.caching || this.watching) return;
    // Watchers report paths (`a/b.yaml`), unstorage keys use `:`.
    this.watching = this.backend
      .watch((key) => this.invalidate(key.replace(/[/\\]/g, ":")))
      .catch(() => false);
    void this.watching.then((watched) => {
      this.caching = watched;
      // A root that did not exist yet cannot be watched; try again on a later call.
      if (!watched) this.watching = undefined;
    });
  }
}
