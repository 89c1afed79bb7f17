import { assertValidId } from "./ids.js";
import type { Scope } from "./scopes.js";
import { applyPatch } from "./yaml.js";

const CONTEXT_BASE = "agent-context";
/** One file per agent: `agent-context/<agent>.yaml`, `sessions: {<session key>: {context, updated_at}}`. */
const contextKey = (agentId: string) => `${CONTEXT_BASE}:${agentId}.yaml`;
/** The key used when a caller names no session: context for every delegation to the agent. */
export const ANY_SESSION = "*";
export const MAX_CONTEXT_CHARS = 200_000;

export interface AgentContextEntry {
  context: string;
  updated_at: string;
}

/**
 * Context passed between agents: text stored per target agent and conversation (session key), prepended
 * to the prompt of the agent's next delegated runs in that conversation until it is replaced or cleared.
 * Session keys are map keys inside the file, never file names, so any key is safe.
 */
export class AgentContextRepository {
  constructor(
    private readonly scope: Scope,
    private readonly now: () => Date,
  ) {}

  async get(agentId: string, sessionKey: string): Promise<AgentContextEntry | null> {
    assertValidId(agentId, "agent");
    const sessions = await this.sessions(agentId);
    const entry = Object.hasOwn(sessions, sessionKey) ? sessions[sessionKey] : undefined;
    if (!entry || typeof entry !== "object") return null;
    const { context, updated_at } = entry as Record<string, unknown>;
    return typeof context === "string"
      ? { context, updated_at: typeof updated_at === "string" ? updated_at : "" }
      : null;
  }

  /** The session's context, else the agent's context for any session. */
  async forDelegation(agentId: string, sessionKey: string | undefined): Promise<string | undefined> {
    const own = sessionKey === undefined ? null : await this.get(agentId, sessionKey);
    return (own ?? (await this.get(agentId, ANY_SESSION)))?.context || undefined;
  }

  /** Stores (or, with an empty text, removes) the context; other sessions' entries and hand-written keys stay. */
  async set(agentId: string, sessionKey: string, context: string): Promise<AgentContextEntry | null> {
    assertValidId(agentId, "agent");
    const updated_at = this.now().toISOString();
    await this.scope.store.update(contextKey(agentId), (doc) => {
      const next = doc ?? this.scope.store.emptyDocument();
      const current = next.get("sessions");
      const sessions =
        current && typeof current === "object" && "toJSON" in current
          ? ((current as { toJSON(): unknown }).toJSON() as Record<string, unknown>)
          : {};
      if (context === "") delete sessions[sessionKey];
      else sessions[sessionKey] = { context, updated_at };
      applyPatch(next, { sessions });
      return next;
    });
    return context === "" ? null : { context, updated_at };
  }

  private async sessions(agentId: string): Promise<Record<string, unknown>> {
    const stored = await this.scope.store.read(contextKey(agentId));
    const sessions = stored?.data.sessions;
    return sessions && typeof sessions === "object" && !Array.isArray(sessions)
      ? (sessions as Record<string, unknown>)
      : {};
  }
}
