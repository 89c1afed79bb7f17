/*
 * The chat list: one list over every kind of conversation, merged from sources (agent sessions, channel
 * conversations, and any other kind that registers one, e.g. group chats), with per-client read markers
 * and pinned/archived flags (chat-list-state.ts) applied, then filtered, sorted by last activity (pinned
 * first) and paged. Sources keep their own caches; nothing here reads a transcript.
 */

import type { ChatFlags, ReadMarker } from "./chat-list-state.js";
import { invalid } from "./errors.js";
import type { LastMessage } from "./session-summaries.js";

/** One conversation as a source reports it. */
export interface ChatListEntry {
  /** `<kind>:<id within the source>`, unique across sources and stable (flags and markers are kept by it). */
  id: string;
  /** What the conversation is: `session`, `channel`, `group_chat`, … */
  kind: string;
  title: string;
  /** ISO 8601: when the conversation last changed (the list's order). */
  last_activity: string;
  created_at?: string;
  /** The position of the newest message (1, 2, …); unread counts are taken against it. */
  message_count: number;
  last_message?: LastMessage;
  /** The workspace the conversation belongs to (the home directory for global ones). */
  workspace_path: string;
  workdir?: string;
  scope: "global" | "workspace";
  session_id?: string;
  agent_id?: string;
  status?: string;
  /** Agent sessions this entry stands for: the plain session list leaves them out (no duplicates). */
  claims?: readonly string[];
  /** Kind-specific fields (a channel's name and chat, a group chat's members, …). */
  details?: Record<string, unknown>;
}

/**
 * A kind of conversation for the chat list. A new kind (group chats) implements this and is added to the
 * list of sources (handlers/chat-list/chat-list-sources.ts). `entries` is called on every listing, so it
 * must answer from a cache (kept valid by storage generations or events), never by reading transcripts.
 */
export interface ChatListSource {
  readonly kind: string;
  entries(): Promise<readonly ChatListEntry[]>;
}

export interface ChatListItem extends ChatListEntry {
  pinned: boolean;
  archived: boolean;
  pinned_at?: string;
  archived_at?: string;
  unread_count: number;
  /** This client's read marker, when it has one. */
  last_read_seq?: number;
  last_read_at?: string;
}

export type ArchivedFilter = "exclude" | "include" | "only";

export interface ChatListQuery {
  /** Only conversations of this workspace (its own, and global ones unless includeGlobal is false). */
  workspacePath?: string;
  includeGlobal: boolean;
  /** The global workspace (the home directory). */
  home: string;
  /** Words that must all occur in the title, the preview, the agent or the kind-specific names. */
  q?: string;
  kinds?: string[];
  archived: ArchivedFilter;
  pinned?: boolean;
  unread?: boolean;
  limit: number;
  offset: number;
  /** From a previous page's next_cursor: the page after that one (offset is then ignored). */
  cursor?: string;
}

export interface ChatListPage {
  items: ChatListItem[];
  /** How many match the filters (all pages). */
  total: number;
  next_cursor?: string;
  /** Per kind, and unread conversations and messages, over all matching conversations. */
  counts: Record<string, number>;
}

export interface ChatListState {
  flags: Map<string, ChatFlags>;
  markers: Map<string, ReadMarker>;
}

/** Every source's entries, a session claimed by another entry (its channel, its group chat) shown once. */
export async function mergeSources(sources: readonly ChatListSource[]): Promise<ChatListEntry[]> {
  const all = (await Promise.all(sources.map((s) => s.entries()))).flat();
  const claimed = new Set(all.flatMap((e) => (e.kind === "session" ? [] : (e.claims ?? []))));
  return all.filter((e) => !(e.kind === "session" && e.session_id && claimed.has(e.session_id)));
}

export function unreadCount(
  entry: Pick<ChatListEntry, "message_count">,
  marker: ReadMarker | undefined,
): number {
  return Math.max(0, entry.message_count - (marker?.seq ?? 0));
}

/** The entry with this client's flags and read marker applied. */
export function toItem(entry: ChatListEntry, state: ChatListState): ChatListItem {
  const flags = state.flags.get(entry.id);
  const marker = state.markers.get(entry.id);
  return {
    ...entry,
    pinned: flags?.pinned === true,
    archived: flags?.archived === true,
    ...(flags?.pinned_at ? { pinned_at: flags.pinned_at } : {}),
    ...(flags?.archived_at ? { archived_at: flags.archived_at } : {}),
    unread_count: unreadCount(entry, marker),
    ...(marker ? { last_read_seq: marker.seq, last_read_at: marker.at } : {}),
  };
}

const within = (path: string | undefined, root: string) =>
  path !== undefined && (path === root || path.startsWith(root.endsWith("/") ? root : `${root}/`));

function matchesWorkspace(item: ChatListItem, query: ChatListQuery): boolean {
  if (query.workspacePath === undefined) return true;
  const ws = query.workspacePath;
  if (ws !== query.home && (item.workspace_path === ws || within(item.workdir, ws))) return true;
  if (ws === query.home || query.includeGlobal) return item.workspace_path === query.home;
  return false;
}

function searchText(item: ChatListItem): string {
  const details = item.details ? Object.values(item.details).filter((v) => typeof v === "string") : [];
  return [item.title, item.last_message?.preview ?? "", item.agent_id ?? "", ...details]
    .join("\n")
    .toLowerCase();
}

function matches(item: ChatListItem, query: ChatListQuery, words: string[]): boolean {
  if (query.kinds && !query.kinds.includes(item.kind)) return false;
  if (query.archived === "exclude" && item.archived) return false;
  if (query.archived === "only" && !item.archived) return false;
  if (query.pinned !== undefined && item.pinned !== query.pinned) return false;
  if (query.unread !== undefined && item.unread_count > 0 !== query.unread) return false;
  if (!matchesWorkspace(item, query)) return false;
  if (words.length > 0) {
    const text = searchText(item);
    if (!words.every((w) => text.includes(w))) return false;
  }
  return true;
}

interface SortKey {
  pinned: boolean;
  time: number;
  id: string;
}

const keyOf = (item: ChatListItem): SortKey => {
  const time = Date.parse(item.last_activity);
  return { pinned: item.pinned, time: Number.isNaN(time) ? 0 : time, id: item.id };
};

/** Pinned first, then the most recent activity, then the id (a total order, so pages never overlap). */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  if (a.time !== b.time) return b.time - a.time;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Cursors are base64url JSON of the last item's sort key: a page after it stays right while items move.
function encodeCursor(key: SortKey): string {
  const json = JSON.stringify([key.pinned ? 1 : 0, key.time, key.id]);
  const bytes = new TextEncoder().encode(json);
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

function decodeCursor(cursor: string): SortKey {
  const bad = () => invalid("cursor", "is malformed (use next_cursor from a previous page)");
  if (!/^[A-Za-z0-9_-]{1,2048}$/.test(cursor)) throw bad();
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const json = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
    const value: unknown = JSON.parse(json);
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      (value[0] === 0 || value[0] === 1) &&
      Number.isSafeInteger(value[1]) &&
      typeof value[2] === "string"
    ) {
      return { pinned: value[0] === 1, time: value[1] as number, id: value[2] };
    }
  } catch {
    // falls through to the error below
  }
  throw bad();
}

/** Filters, orders and pages the merged entries for one client. */
export function queryChatList(
  entries: readonly ChatListEntry[],
  state: ChatListState,
  query: ChatListQuery,
): ChatListPage {
  const words = (query.q ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  const matching = entries.map((e) => toItem(e, state)).filter((item) => matches(item, query, words));
  const keyed = matching.map((item) => ({ item, key: keyOf(item) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  let start = Math.min(query.offset, keyed.length);
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    start = keyed.findIndex((k) => compareKeys(k.key, after) > 0);
    if (start < 0) start = keyed.length;
  }
  const page = keyed.slice(start, start + query.limit);
  const counts: Record<string, number> = {
    sessions: 0,
    channels: 0,
    group_chats: 0,
    unread: 0,
    unread_messages: 0,
    pinned: 0,
    archived: 0,
  };
  for (const { item } of keyed) {
    const plural =
      item.kind === "session" ? "sessions" : item.kind === "channel" ? "channels" : `${item.kind}s`;
    counts[plural] = (counts[plural] ?? 0) + 1;
    if (item.unread_count > 0) counts.unread! += 1;
    counts.unread_messages! += item.unread_count;
    if (item.pinned) counts.pinned! += 1;
    if (item.archived) counts.archived! += 1;
  }
  const last = page.at(-1);
  return {
    items: page.map((k) => k.item),
    total: keyed.length,
    ...(last && start + page.length < keyed.length ? { next_cursor: encodeCursor(last.key) } : {}),
    counts,
  };
}
