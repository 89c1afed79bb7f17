import { invalid } from "./errors.js";
import { idProblem } from "./ids.js";
import { isoTimestamp } from "./schema-helpers.js";
import type { Scope } from "./scopes.js";
import type { SessionRepository } from "./sessions.js";
import { z } from "./zod.js";

/*
 * OpenVesper names a conversation by a free-form `sessionKey` ("alice", "telegram:42", "cli"); ours are
 * session ids. One rule maps the first onto the second, shared by every route that takes a key (runs,
 * /sessions/:key, /ws): a key equal to an existing session id is that session; any other key is looked up
 * in a small index `session-keys/<sha256 of key>.yaml`, and given a new session id on first use (the
 * session itself is created by its first run, under that id).
 */

export const SESSION_KEYS_BASE = "session-keys";
export const MAX_SESSION_KEY_LENGTH = 512;

const SessionKeyEntrySchema = z.looseObject({
  key: z.string(),
  session_id: z.string().min(1),
  created_at: isoTimestamp,
});

export type SessionKeyEntry = z.infer<typeof SessionKeyEntrySchema>;

export interface SessionKeyDeps {
  /** The global scope (the index lives there, beside the sessions). */
  scope: Scope;
  sessions: Pick<SessionRepository, "find">;
  newId?: () => string;
  now?: () => Date;
}

async function keyOf(sessionKey: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sessionKey));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${SESSION_KEYS_BASE}:${hex}.yaml`;
}

/** Refuses a key no client could mean (empty, too long, control characters), naming the field. */
export function checkSessionKey(sessionKey: unknown, field = "sessionKey"): string {
  if (typeof sessionKey !== "string" || sessionKey.length === 0) throw invalid(field, "must not be empty");
  if (sessionKey.length > MAX_SESSION_KEY_LENGTH)
    throw invalid(field, `must be at most ${MAX_SESSION_KEY_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(sessionKey)) throw invalid(field, "must not contain control characters");
  return sessionKey;
}

/** The session id a key stands for, without creating an index entry (null when the key is new). */
export async function findSessionKey(deps: SessionKeyDeps, sessionKey: string): Promise<string | null> {
  checkSessionKey(sessionKey);
  if (idProblem(sessionKey) === undefined && (await deps.sessions.find(sessionKey))) return sessionKey;
  const stored = await deps.scope.store.read(await keyOf(sessionKey));
  const parsed = stored ? SessionKeyEntrySchema.safeParse(stored.data) : undefined;
  return parsed?.success ? parsed.data.session_id : null;
}

/**
 * The session id for a key: an existing session of that id, else the indexed one, else a new id that is
 * indexed at once (two first uses at the same moment agree: the index file is created only if absent).
 */
export async function resolveSessionKey(deps: SessionKeyDeps, sessionKey: string): Promise<string> {
  const found = await findSessionKey(deps, sessionKey);
  if (found) return found;
  const entry: SessionKeyEntry = {
    key: sessionKey,
    session_id: (deps.newId ?? (() => crypto.randomUUID()))(),
    created_at: (deps.now?.() ?? new Date()).toISOString(),
  };
  const key = await keyOf(sessionKey);
  const created = await deps.scope.store.createIfAbsent(key, entry);
  if (created) return entry.session_id;
  // Another request indexed the key first: use its session.
  const stored = await deps.scope.store.read(key);
  const parsed = stored ? SessionKeyEntrySchema.safeParse(stored.data) : undefined;
  if (parsed?.success) return parsed.data.session_id;
  return entry.session_id;
}
