import { isMap, isSeq, type YAMLSeq } from "yaml";
import type { DocumentStore } from "./documents.js";
import { invalid, notFound, StorageError } from "./errors.js";
import { describeIssues } from "./schema-helpers.js";
import type { z } from "./zod.js";

/** A rule as stored: its id and position are the list's, the rest is the schema's. */
export type Indexed<T> = T & { id: string; index: number };

/**
 * An ordered list of rules under one key of one YAML file in the global data folder (`routes:` in
 * channel-routes.yaml, `rules:` in access.yaml). Order is meaning (first match wins), so rules are
 * inserted at a position and removed by index or id. Edits go onto the parsed document, so comments and
 * keys a user wrote by hand survive, and every write is the store's atomic replace.
 */
export class RuleList<S extends z.ZodType<Record<string, unknown>>> {
  constructor(
    private readonly store: DocumentStore,
    private readonly file: string,
    private readonly listKey: string,
    private readonly schema: S,
    private readonly kind: string,
  ) {}

  get path(): string {
    return this.store.pathOf(this.file);
  }

  async list(): Promise<Indexed<z.output<S>>[]> {
    const stored = await this.store.read(this.file);
    const raw = stored?.data[this.listKey];
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) throw this.corrupt(`${this.listKey}: must be a list`);
    return raw.map((entry, index) => this.parse(entry, index));
  }

  /** Inserts at `position` (0 = first; absent or past the end: last) and answers the stored rule. */
  async insert(rule: z.output<S> & { id: string }, position?: number): Promise<Indexed<z.output<S>>> {
    let index = 0;
    await this.store.update(this.file, (doc) => {
      const next = doc ?? this.store.emptyDocument();
      if (!isMap(next.contents)) next.contents = next.createNode({}) as typeof next.contents;
      let seq = next.get(this.listKey, true);
      if (seq === undefined || seq === null || (!isSeq(seq) && isNullScalar(seq))) {
        seq = next.createNode([]);
        next.set(this.listKey, seq);
      }
      if (!isSeq(seq)) throw this.corrupt(`${this.listKey}: must be a list`);
      const items = (seq as YAMLSeq).items;
      index = position === undefined || position > items.length ? items.length : position;
      items.splice(index, 0, next.createNode(rule) as (typeof items)[number]);
      return next;
    });
    return { ...rule, index };
  }

  /** Removes the rule at `index`; resolves null when there is none. */
  async removeAt(index: number): Promise<Indexed<z.output<S>> | null> {
    return this.removeWhere((_entry, i) => i === index);
  }

  async removeById(id: string): Promise<Indexed<z.output<S>>> {
    const removed = await this.removeWhere((entry) => isRecord(entry) && entry.id === id);
    if (!removed) {
      throw notFound(
        `${this.kind.toUpperCase().replace(/ /g, "_")}_NOT_FOUND`,
        `${this.kind} '${id}' not found`,
        {
          id,
        },
      );
    }
    return removed;
  }

  private async removeWhere(
    pick: (entry: unknown, index: number) => boolean,
  ): Promise<Indexed<z.output<S>> | null> {
    let removed: Indexed<z.output<S>> | null = null;
    await this.store.update(this.file, (doc) => {
      const seq = doc?.get(this.listKey, true);
      if (!doc || !isSeq(seq)) return null;
      const plain = seq.toJSON() as unknown[];
      const index = plain.findIndex(pick);
      if (index < 0) return null;
      removed = this.parse(plain[index], index);
      seq.items.splice(index, 1);
      return doc;
    });
    return removed;
  }

  private parse(entry: unknown, index: number): Indexed<z.output<S>> {
    const parsed = this.schema.safeParse(entry);
    if (!parsed.success) {
      throw this.corrupt(`${this.listKey}.${index}: ${describeIssues(parsed.error).message}`);
    }
    const id = isRecord(entry) && typeof entry.id === "string" ? entry.id : `${index}`;
    return { ...parsed.data, id, index };
  }

  private corrupt(message: string) {
    return new StorageError("corrupt", "INVALID_RULES_FILE", `${this.path}: ${message}`, { file: this.path });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNullScalar(node: unknown): boolean {
  return typeof node === "object" && node !== null && "value" in node && node.value === null;
}

/** Where a rule goes: `position` must be a whole number from 0. */
export function checkPosition(position: unknown): number | undefined {
  if (position === undefined || position === null) return undefined;
  if (typeof position !== "number" || !Number.isInteger(position) || position < 0) {
    throw invalid("position", "must be a whole number from 0 (0 = first)");
  }
  return position;
}

/** A new rule id: a prefix and random hex, never all digits (a path segment of digits is an index). */
export function newRuleId(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
