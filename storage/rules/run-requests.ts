/*
 * How a run request resolves to a launch (which agent, which workdir) is a rule the HTTP routes and the
 * run queue share, so it lives below both (storage/ is the one layer both may import). It takes explicit
 * dependencies and throws the domain error.
 */
import type { AgentRecord, AgentRepository } from "../agents.js";
import { DomainError, notFound } from "../errors.js";
import { canonicalExecutorId } from "../executor-types.js";
import type { Scopes } from "../scopes.js";
import type { SessionRepository } from "../sessions.js";
import type { SettingsRepository } from "../settings.js";
import { type DirectoryDeps, gatewayRoots, isWithin, resolveAllowedDirectory } from "./allowed-directory.js";
import { normalizeAbsolutePath } from "./paths.js";

/** What a run resolves against: the scopes and agents, and the path probe for its workdir. */
export interface RunRuleDeps extends DirectoryDeps {
  scopes: Scopes;
  agents: AgentRepository;
}

/** A resolved run: the agent, the prompt, the checked workdir, and where the request came from. */
export interface ResolvedRun {
  agent: AgentRecord;
  prompt: string;
  workdir: string;
  sessionId?: string;
  source: string;
}

/** What an agent narrows its runs to: its own `workdirs`, else its workspace (a workspace agent). */
export function agentWorkdirs(agent: AgentRecord): string[] | undefined {
  if (agent.config.workdirs && agent.config.workdirs.length > 0) return agent.config.workdirs;
  if (agent.scope.kind === "workspace") return [agent.scope.workspacePath];
  return undefined;
}

/**
 * Directories an agent may run in, narrowest first: the gateway's `workdir_roots` (default: the home
 * directory) narrowed by the agent's own list (its `workdirs`, else its workspace), which can never
 * widen them. Where the two lists do not meet, the agent's list (every workdir then fails the check).
 */
export function allowedWorkdirRoots(
  deps: Pick<DirectoryDeps, "scopes">,
  agent: AgentRecord,
  configured?: string[],
): string[] {
  const roots = gatewayRoots(deps, configured);
  const narrowed = agentWorkdirs(agent);
  if (!narrowed) return roots;
  const both = narrowed.flatMap((dir) =>
    roots.flatMap((root) => {
      const [a, r] = [normalizeAbsolutePath(dir), normalizeAbsolutePath(root)];
      if (isWithin(a, r)) return [a];
      return isWithin(r, a) ? [r] : [];
    }),
  );
  return both.length > 0 ? [...new Set(both)] : narrowed;
}

/**
 * Validates a run's workdir: absolute, existing, on an ordinary filesystem and (symbolic links resolved)
 * inside the gateway's roots and inside what the agent narrows them to.
 */
export async function resolveWorkdir(
  deps: DirectoryDeps,
  agent: AgentRecord,
  raw: string,
  configuredRoots?: string[],
): Promise<string> {
  const narrowed = agentWorkdirs(agent);
  return resolveAllowedDirectory(deps, raw, {
    field: "workdir",
    roots: gatewayRoots(deps, configuredRoots),
    ...(narrowed ? { narrowedBy: { dirs: narrowed, owner: `agent '${agent.id}'` } } : {}),
  });
}

/**
 * The agent a run request names: a user-created agent (workspace first, then global) or, for scripts
 * that just want an executor, an executor id such as CLAUDE_CODE standing for itself.
 */
export async function findRunnableAgent(
  deps: Pick<RunRuleDeps, "scopes" | "agents">,
  id: string,
  workspacePath: string,
): Promise<AgentRecord> {
  const scopes = deps.scopes.listingScopes(workspacePath, true);
  const record = await deps.agents.find(scopes, id);
  if (record) return record;
  const executorId = canonicalExecutorId(id);
  if (executorId) {
    return {
      id: executorId,
      scope: deps.scopes.global(),
      configPath: "",
      config: { name: executorId, executor_type: executorId },
    };
  }
  throw notFound("AGENT_NOT_FOUND", `agent '${id}' not found`, { agent_id: id });
}

export interface ChatInput {
  message: string;
  agent_id?: string;
  session_id?: string;
  workdir?: string;
}

/** A chat run also reads the session it continues and the default agent. */
export interface ChatRunDeps extends RunRuleDeps {
  sessions: Pick<SessionRepository, "find">;
  settings: Pick<SettingsRepository, "defaultAgent">;
}

/**
 * Turns a chat message (REST `/api/chat` or a WebSocket `chat` frame) into a run request: the agent is
 * the one named, else the session's, else the default agent; the workdir is the one given, else the
 * session's, else the first directory the agent may use.
 */
export async function prepareChatRun(
  deps: ChatRunDeps,
  input: ChatInput,
  configuredRoots: string[] | undefined,
  source: string,
): Promise<ResolvedRun> {
  const session = input.session_id ? await deps.sessions.find(input.session_id) : null;
  const workspacePath = session?.workspace_path ?? deps.scopes.home;
  let agentId = input.agent_id ?? session?.agent_id;
  if (!agentId) {
    for (const scope of deps.scopes.listingScopes(workspacePath, true)) {
      agentId = (await deps.settings.defaultAgent(scope)) ?? undefined;
      if (agentId) break;
    }
  }
  if (!agentId) {
    throw new DomainError(
      "validation",
      "NO_AGENT",
      "agent_id: no agent given and no default agent set (PUT /api/agent/default)",
      { field: "agent_id" },
    );
  }
  const agent = await findRunnableAgent(deps, agentId, workspacePath);
  const workdir = await resolveWorkdir(
    deps,
    agent,
    input.workdir ?? session?.workdir ?? allowedWorkdirRoots(deps, agent, configuredRoots)[0]!,
    configuredRoots,
  );
  return { agent, prompt: input.message, workdir, sessionId: input.session_id, source };
}

/** What a queued job names: its agent, prompt, workspace, workdir and session. */
export interface QueuedRunInput {
  agent_id: string;
  prompt: string;
  workspace_path?: string | null;
  workdir?: string | null;
  session_id?: string;
}

/** A queued job resolves when it starts: the same rules as a chat run, in the job's workspace. */
export interface QueuedRunDeps extends RunRuleDeps {
  sessions?: Pick<SessionRepository, "find">;
}

/**
 * Turns a job into a run request the way a chat does (prepareChatRun): the agent is looked up in the
 * job's workspace (then globally, or an executor id standing for itself), and the workdir is the job's,
 * else its session's, else the first directory the agent may use, checked against the agent's roots.
 */
export async function prepareQueuedRun(
  deps: QueuedRunDeps,
  job: QueuedRunInput,
  configuredRoots: string[] | undefined,
  source: string,
): Promise<ResolvedRun> {
  const agent = await findRunnableAgent(deps, job.agent_id, job.workspace_path ?? deps.scopes.home);
  const session = job.session_id ? await deps.sessions?.find(job.session_id) : null;
  const workdir = await resolveWorkdir(
    deps,
    agent,
    job.workdir ?? session?.workdir ?? allowedWorkdirRoots(deps, agent, configuredRoots)[0]!,
    configuredRoots,
  );
  return { agent, prompt: job.prompt, workdir, sessionId: job.session_id, source };
}
