import type { AgentRecord } from "../../storage/agents.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import type { RunRequest, RunService } from "../capabilities.js";
import type { Services } from "../context.js";
import { ApiError, badRequest } from "../errors.js";
import { gatewayRoots, isWithin, resolveAllowedDirectory } from "./allowed-directory.js";
import { normalizeAbsolutePath } from "./paths.js";

/** The run capability, or 501 where the runtime cannot start processes (Workers). */
export function requireRuns(services: Services): RunService {
  if (!services.runs) {
    throw new ApiError(
      501,
      "NOT_SUPPORTED_IN_RUNTIME",
      `running agents is not available on ${services.runtime}`,
    );
  }
  return services.runs;
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
export function allowedWorkdirRoots(services: Services, agent: AgentRecord, configured?: string[]): string[] {
  const roots = gatewayRoots(services, configured);
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
  services: Services,
  agent: AgentRecord,
  raw: string,
  configuredRoots?: string[],
): Promise<string> {
  const narrowed = agentWorkdirs(agent);
  return resolveAllowedDirectory(services, raw, {
    field: "workdir",
    roots: gatewayRoots(services, configuredRoots),
    ...(narrowed ? { narrowedBy: { dirs: narrowed, owner: `agent '${agent.id}'` } } : {}),
  });
}

/**
 * The agent a run request names: a user-created agent (workspace first, then global) or, for scripts
 * that just want an executor, an executor id such as CLAUDE_CODE standing for itself.
 */
export async function findRunnableAgent(
  services: Services,
  id: string,
  workspacePath: string,
): Promise<AgentRecord> {
  const scopes = services.scopes.listingScopes(workspacePath, true);
  const record = await services.agents.find(scopes, id);
  if (record) return record;
  const executorId = canonicalExecutorId(id);
  if (executorId) {
    return {
      id: executorId,
      scope: services.scopes.global(),
      configPath: "",
      config: { name: executorId, executor_type: executorId },
    };
  }
  throw new ApiError(404, "AGENT_NOT_FOUND", `agent '${id}' not found`, { agent_id: id });
}

/** The session store, or 501 where the runtime keeps none. */
export function requireSessions(services: Services) {
  if (!services.sessions || !services.history) {
    throw new ApiError(501, "NOT_SUPPORTED_IN_RUNTIME", `sessions are not available on ${services.runtime}`);
  }
  return { sessions: services.sessions, history: services.history };
}

export interface ChatInput {
  message: string;
  agent_id?: string;
  session_id?: string;
  workdir?: string;
}

/**
 * Turns a chat message (REST `/api/chat` or a WebSocket `chat` frame) into a run request: the agent is
 * the one named, else the session's, else the default agent; the workdir is the one given, else the
 * session's, else the first directory the agent may use.
 */
export async function prepareChatRun(
  services: Services,
  input: ChatInput,
  configuredRoots: string[] | undefined,
  source: string,
): Promise<RunRequest> {
  const { sessions } = requireSessions(services);
  const session = input.session_id ? await sessions.find(input.session_id) : null;
  const workspacePath = session?.workspace_path ?? services.scopes.home;
  let agentId = input.agent_id ?? session?.agent_id;
  if (!agentId) {
    for (const scope of services.scopes.listingScopes(workspacePath, true)) {
      agentId = (await services.settings.defaultAgent(scope)) ?? undefined;
      if (agentId) break;
    }
  }
  if (!agentId) {
    throw badRequest(
      "NO_AGENT",
      "agent_id: no agent given and no default agent set (PUT /api/agent/default)",
      {
        field: "agent_id",
      },
    );
  }
  const agent = await findRunnableAgent(services, agentId, workspacePath);
  const workdir = await resolveWorkdir(
    services,
    agent,
    input.workdir ?? session?.workdir ?? allowedWorkdirRoots(services, agent, configuredRoots)[0]!,
    configuredRoots,
  );
  return { agent, prompt: input.message, workdir, sessionId: input.session_id, source };
}
