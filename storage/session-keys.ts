/*
 * OpenVesper names a conversation by a `sessionKey` the client chooses (a chat id, "cli_user", …); ours are
 * session ids. One index maps the one onto the other so both spellings reach the same session: a key that
 * is an existing session's id is that session; any other key is looked up in `session-keys.yaml` (global
 * scope) and, when asked to, given a fresh session id on first use (the session itself is created by its
 * first run, under that id).
 */
import { invalid } from "./errors.js";
import { idProblem } from "./ids.js";
import type { Scope } from "./scopes.js";
import type { SessionRepository } from "./sessions.js";
import { applyPatch, yamlToObject } from "./yaml.js";

export const SESSION_KEYS_KEY = "session-keys.yaml";
const MAX_KEY_LENGTH = 512;

export interface SessionKeyDeps {
  /** The global scope (the index lives in its document store). */
  scope: Scope;
  sessions: Pick<SessionRepository, "find">;
  newId?: () => string;
}

export interface ResolvedSessionKey {
  sessionId: string;
  /** False until a session with that id exists (a key indexed but never run, or just created). */
  exists: boolean;
  /** True when this call added the key to the index. */
  created: boolean;
}

/** A key must be printable text of reasonable length (it is a map key, never a file name). */
export function checkSessionKey(key: unknown, field = "sessionKey"): string {
  if (typeof key !== "string" || key.length === 0) throw invalid(field, "must be a non-empty string");
  if (key.length > MAX_KEY_LENGTH) throw invalid(field, `must be at most ${MAX_KEY_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(key)) throw invalid(field, "must not contain control characters");
  return key;
}

/**
 * The session a key names: the session whose id it is, else the indexed one; null when neither and
 * `create` is not set. With `create`, an unknown key is indexed to a new id (atomically: two concurrent
 * first uses get the same id).
 */
export async function resolveSessionKey(
  deps: SessionKeyDeps,
  key: string,
  options: { create?: boolean } = {},
): Promise<ResolvedSessionKey | null> {
  checkSessionKey(key);
  if (idProblem(key) === undefined && (await deps.sessions.find(key))) {
    return { sessionId: key, exists: true, created: false };
  }
  const indexed = await lookupSessionKey(deps.scope, key);
  if (indexed)
    return { sessionId: indexed, exists: (await deps.sessions.find(indexed)) !== null, created: false };
  if (!options.create) return null;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const candidate = newId();
  let sessionId = candidate;
  await deps.scope.store.update(SESSION_KEYS_KEY, (doc) => {
    const current = doc ? yamlToObject(doc) : {};
    const keys = (current.keys ?? {}) as Record<string, unknown>;
    const existing = keys[key];
    if (typeof existing === "string") {
      sessionId = existing;
      return null;
    }
    const next = doc ?? deps.scope.store.emptyDocument();
    applyPatch(next, { keys: { ...keys, [key]: candidate } });
    return next;
  });
  return { sessionId, exists: false, created: sessionId === candidate };
}

/** Points a key at a session (a fork or branch given a new key); refuses a key already taken. */
export async function bindSessionKey(scope: Scope, key: string, sessionId: string): Promise<void> {
  checkSessionKey(key);
  let taken: string | undefined;
  await scope.store.update(SESSION_KEYS_KEY, (doc) => {
    const current = doc ? yamlToObject(doc) : {};
    const keys = (current.keys ?? {}) as Record<string, unknown>;
    if (typeof keys[key] === "string" && keys[key] !== sessionId) {
      taken = keys[key] as string;
      return null;
    }
    const next = doc ?? scope.store.emptyDocument();
    applyPatch(next, { keys: { ...keys, [key]: sessionId } });
    return next;
  });
  if (taken) throw invalid("newSessionKey", `session key '${key}' is already in use`, { session_id: taken });
}

/** The keys that name each session (for views). */
export async function sessionKeysBySession(scope: Scope): Promise<Map<string, string>> {
  const stored = await scope.store.read(SESSION_KEYS_KEY);
  const keys = (stored?.data.keys ?? {}) as Record<string, unknown>;
  const bySession = new Map<string, string>();
  for (const [key, sid] of Object.entries(keys)) if (typeof sid === "string") bySession.set(sid, key);
  return bySession;
}

async function lookupSessionKey(scope: Scope, key: string): Promise<string | undefined> {
  const stored = await scope.store.read(SESSION_KEYS_KEY);
  const keys = stored?.data.keys;
  if (!keys || typeof keys !== "object") return undefined;
  const value = (keys as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/** The session id a key names, without indexing it (null when the key is new). */
export async function findSessionKey(deps: SessionKeyDeps, key: string): Promise<string | null> {
  return (await resolveSessionKey(deps, key))?.sessionId ?? null;
}

/** The session id for a key, indexing a new key to a fresh id on first use (for runs that name a key). */
export async function ensureSessionKey(deps: SessionKeyDeps, key: string): Promise<string> {
  const resolved = await resolveSessionKey(deps, key, { create: true });
  // With `create`, resolveSessionKey always answers; the fallback only satisfies the type.
  return resolved?.sessionId ?? key;
}
