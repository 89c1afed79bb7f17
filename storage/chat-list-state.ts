/*
 * The chat list's own state, kept by conversation id (`session:<id>`, `channel:<key>`, …):
 * - pinned and archived flags, shared by every client, in `~/.viben/chat-list.yaml`;
 * - read markers, one file per client (`~/.viben/chat-read/<client>.yaml`), so clients never contend and a
 *   marker write touches one small file. A marker is the last read message's position and when it was read.
 * Both are YAML documents written atomically by the document store; unknown keys written by hand stay.
 */
import { invalid } from "./errors.js";
import { idProblem } from "./ids.js";
import type { Scope } from "./scopes.js";
import { yamlToObject } from "./yaml.js";

export const CHAT_LIST_KEY = "chat-list.yaml";
export const CHAT_READ_BASE = "chat-read";
/** The client a request that names none is counted as. */
export const DEFAULT_CLIENT = "default";

export interface ChatFlags {
  pinned?: boolean;
  pinned_at?: string;
  archived?: boolean;
  archived_at?: string;
}

export interface ReadMarker {
  /** The position of the last message read (everything up to it is read). */
  seq: number;
  /** ISO 8601: when it was marked. */
  at: string;
}

export function checkClientId(client: unknown, field = "client_id"): string {
  const problem = idProblem(client);
  if (problem) throw invalid(field, problem, { value: typeof client === "string" ? client : undefined });
  return client as string;
}

const markersKey = (client: string) => `${CHAT_READ_BASE}:${client}.yaml`;

function asMap(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function parseFlags(value: unknown): ChatFlags | undefined {
  const raw = asMap(value);
  const flags: ChatFlags = {};
  if (raw.pinned === true) flags.pinned = true;
  if (typeof raw.pinned_at === "string") flags.pinned_at = raw.pinned_at;
  if (raw.archived === true) flags.archived = true;
  if (typeof raw.archived_at === "string") flags.archived_at = raw.archived_at;
  return flags.pinned || flags.archived ? flags : undefined;
}

function parseMarker(value: unknown): ReadMarker | undefined {
  const raw = asMap(value);
  if (typeof raw.seq !== "number" || !Number.isSafeInteger(raw.seq) || raw.seq < 0) return undefined;
  return { seq: raw.seq, at: typeof raw.at === "string" ? raw.at : "" };
}

export class ChatListStateRepository {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async flags(): Promise<Map<string, ChatFlags>> {
    const stored = await this.scope.store.read(CHAT_LIST_KEY);
    const out = new Map<string, ChatFlags>();
    for (const [id, value] of Object.entries(asMap(stored?.data.items))) {
      const flags = parseFlags(value);
      if (flags) out.set(id, flags);
    }
    return out;
  }

  async markers(client: string): Promise<Map<string, ReadMarker>> {
    checkClientId(client);
    const stored = await this.scope.store.read(markersKey(client));
    const out = new Map<string, ReadMarker>();
    for (const [id, value] of Object.entries(asMap(stored?.data.markers))) {
      const marker = parseMarker(value);
      if (marker) out.set(id, marker);
    }
    return out;
  }

  /** Sets or clears pinned/archived on one conversation (undefined leaves a flag as it is). */
  async setFlags(id: string, change: { pinned?: boolean; archived?: boolean }): Promise<ChatFlags> {
    const at = this.now().toISOString();
    let result: ChatFlags = {};
    await this.scope.store.update(CHAT_LIST_KEY, (doc) => {
      const next = doc ?? this.scope.store.emptyDocument();
      const current = asMap(asMap(yamlToObject(next).items)[id]);
      const entry: Record<string, unknown> = { ...current };
      for (const flag of ["pinned", "archived"] as const) {
        const value = change[flag];
        if (value === undefined) continue;
        if (value) {
          if (entry[flag] !== true) entry[`${flag}_at`] = at;
          entry[flag] = true;
        } else {
          delete entry[flag];
          delete entry[`${flag}_at`];
        }
      }
      if (!next.has("items")) next.set("items", next.createNode({}));
      if (Object.keys(entry).length === 0) next.deleteIn(["items", id]);
      else next.setIn(["items", id], next.createNode(entry));
      result = parseFlags(entry) ?? {};
      return next;
    });
    return result;
  }

  /** Sets this client's markers (one write for any number of conversations). */
  async markRead(client: string, marks: ReadonlyArray<{ id: string; seq: number }>): Promise<ReadMarker[]> {
    checkClientId(client);
    const at = this.now().toISOString();
    const written = marks.map((m) => ({ seq: m.seq, at }));
    if (marks.length === 0) return written;
    await this.scope.store.update(markersKey(client), (doc) => {
      const next = doc ?? this.scope.store.emptyDocument();
      if (!next.has("markers")) next.set("markers", next.createNode({}));
      for (const mark of marks) next.setIn(["markers", mark.id], next.createNode({ seq: mark.seq, at }));
      return next;
    });
    return written;
  }

  /** Drops this client's marker: the conversation counts as unread again from its first message. */
  async clearMarker(client: string, id: string): Promise<void> {
    checkClientId(client);
    await this.scope.store.update(markersKey(client), (doc) => {
      if (!doc?.hasIn(["markers", id])) return null;
      doc.deleteIn(["markers", id]);
      return doc;
    });
  }
}
