import type {
  DelegationRecord,
  DelegationRequest,
  DelegationService,
  HandoffRequest,
  HandoffResult,
} from "../../handlers/capabilities/delegation.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { MemoryService } from "../../handlers/capabilities/memory.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import type { AgentContextRepository } from "../../storage/agent-context.js";
import type { AgentRoutesRepository } from "../../storage/agent-routes.js";
import type { AgentRecord, AgentRepository } from "../../storage/agents.js";
import type { AppendLog } from "../../storage/append-log.js";
import { conflict, DomainError } from "../../storage/errors.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import type { DirectoryDeps } from "../../storage/rules/allowed-directory.js";
import { allowedWorkdirRoots, findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import type { Scopes } from "../../storage/scopes.js";
import { switchSessionAgent } from "../../storage/session-ops.js";
import type { SessionRepository } from "../../storage/sessions.js";
import { memoryEnabled, memoryNativeTools } from "../memory/memory-tools.js";
import type { NativeTool } from "../native/tools/native-tool.js";
import type { RunBinding, RunExtensions } from "../runs/run-extensions.js";
import { type DelegateToolInput, delegateTool } from "./delegate-tool.js";
import { delegatedPrompt, TRANSCRIPT_MESSAGES, transcriptText } from "./delegation-prompts.js";
import { GATEWAY_MCP_SERVER, gatewayMcpServer, RunBindings } from "./run-bindings.js";

const LOG_KEY = "delegations:log.jsonl";
const RECENT = 200;

export interface DelegationServiceOptions extends DirectoryDeps {
  scopes: Scopes;
  agents: AgentRepository;
  sessions: SessionRepository;
  routes: AgentRoutesRepository;
  contexts: AgentContextRepository;
  log: AppendLog;
  /** The gateway.yaml `workdir_roots` in force. */
  workdirRoots: () => Promise<string[] | undefined>;
  /** Refuses with 402 BUDGET_EXCEEDED once the agent's (or the global) budget is spent. */
  checkBudget?: (agent: { id: string }) => Promise<void>;
  logger: Logger;
  version: string;
  now?: () => Date;
  /** Agents' memory: runs of agents with `memory: true` get memory_search and memory_add. */
  memory?: MemoryService;
}

/** Whether an agent's runs get the delegation tools (`delegation: true` in its config). */
export function delegationEnabled(agent: AgentRecord): boolean {
  const value = (agent.config as Record<string, unknown>).delegation;
  if (value === true) return true;
  return typeof value === "object" && value !== null && (value as { enabled?: unknown }).enabled === true;
}

/**
 * Delegation over the run manager: a delegated run is an ordinary run (session, events, ledger, budget
 * check) that knows its depth. Runs of agents with `delegation: true` get a `delegate` tool: through the
 * gateway's MCP endpoint for executor CLIs (bound to the run by a token), as a native tool otherwise.
 */
export class GatewayDelegation implements DelegationService {
  private readonly bindings = new RunBindings();
  private readonly recent: DelegationRecord[] = [];
  private runService: RunService | undefined;
  private baseUrl: string | undefined;
  private readonly now: () => Date;
  private loaded: Promise<void> | undefined;

  constructor(private readonly options: DelegationServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The run manager (built after this service, since it takes `extensions`). */
  attach(runs: RunService): void {
    this.runService = runs;
  }

  /** Where the gateway listens, known once it does; executors reach the MCP endpoint there. */
  listening(url: string): void {
    this.baseUrl = url;
  }

  readonly extensions: RunExtensions = {
    mcpServers: (run) => {
      this.bindings.bind(run);
      const tools = this.toolsOf(run);
      if (!this.baseUrl || (!tools.delegate && !tools.memory)) return undefined;
      return { [GATEWAY_MCP_SERVER]: gatewayMcpServer(this.baseUrl, this.bindings.bind(run)) };
    },
    nativeTools: (run): NativeTool[] => {
      this.bindings.bind(run);
      const tools = this.toolsOf(run);
      return [
        ...(tools.delegate ? [delegateTool((input) => this.delegateFrom(run, input, "native"))] : []),
        ...(tools.memory ? memoryNativeTools(tools.memory, run) : []),
      ];
    },
    released: (runId) => this.bindings.release(runId),
  };

  async maxDepth(): Promise<number> {
    return (await this.options.routes.read()).delegation.max_depth;
  }

  async delegate(request: DelegationRequest): Promise<DelegationRecord> {
    const runs = this.runs();
    const parent = request.parentRunId ? this.bindings.run(request.parentRunId) : undefined;
    const depth = (parent?.depth ?? 0) + 1;
    const maxDepth = await this.maxDepth();
    if (depth > maxDepth) {
      throw conflict(
        "DELEGATION_DEPTH_EXCEEDED",
        `delegation refused: it would be ${depth} levels deep and the limit is ${maxDepth} (routes.yaml delegation.max_depth)`,
        { depth, max_depth: maxDepth, parent_run_id: request.parentRunId ?? null },
      );
    }
    // The delegating agent pays for what it asks for: its budget must not be spent either.
    if (parent) await this.options.checkBudget?.(parent.agent);
    const workspacePath =
      request.workspacePath ?? parent?.agent.scope.workspacePath ?? this.options.scopes.home;
    const agent = await findRunnableAgent(this.options, request.agentId, workspacePath);
    const roots = request.workdirRoots ?? (await this.options.workdirRoots());
    const workdir = await this.workdirFor(agent, request.workdir ?? parent?.workdir, roots, !request.workdir);
    const parentSessionKey = request.parentSessionKey ?? parent?.sessionId;
    const prompt = delegatedPrompt({
      context: await this.options.contexts.forDelegation(agent.id, parentSessionKey),
      transcript: request.inheritContext ? await this.transcriptOf(parentSessionKey) : undefined,
      task: request.task,
    });
    const startedAt = this.now();
    const handle = await runs.start({
      agent,
      prompt,
      workdir,
      sessionId: request.sessionId,
      source: "delegation",
      delegation: { depth, ...(parent ? { parentRunId: parent.runId } : {}) },
    });
    const outcome = await handle.done;
    const record: DelegationRecord = {
      id: crypto.randomUUID(),
      agent_id: agent.id,
      task: request.task,
      ...(parentSessionKey ? { parent_session_key: parentSessionKey } : {}),
      ...(request.parentRunId ? { parent_run_id: request.parentRunId } : {}),
      ...(parent ? { parent_agent_id: parent.agent.id } : {}),
      channel: request.channel ?? "http",
      depth,
      session_id: outcome.sessionId,
      run_id: outcome.runId,
      status: outcome.status,
      reply: outcome.response,
      ...(outcome.status === "completed" ? {} : { error: outcome.error ?? `the run ${outcome.status}` }),
      tokens: outcome.tokens,
      cost_cents: outcome.costCents,
      started_at: startedAt.toISOString(),
      duration_ms: Math.max(0, this.now().getTime() - startedAt.getTime()),
    };
    await this.remember(record);
    return record;
  }

  async handoff(request: HandoffRequest): Promise<HandoffResult> {
    const { sessions, contexts } = this.options;
    const runs = this.runs();
    const session = await sessions.get(request.sessionId);
    if (runs.isRunning(session.id)) {
      throw conflict("SESSION_BUSY", `session '${session.id}' is running; stop it or wait`, {
        session_id: session.id,
      });
    }
    const agent = await findRunnableAgent(this.options, request.agentId, session.workspace_path);
    const roots = request.workdirRoots ?? (await this.options.workdirRoots());
    // The conversation stays where it was: the new agent must be allowed to work there.
    const workdir = await resolveWorkdir(this.options, agent, session.workdir, roots);
    const from = session.agent_id;
    if (from !== agent.id) {
      // The same switch as POST /sessions/:key/agent: another executor gets the transcript on its first run.
      await switchSessionAgent(sessions, session.id, {
        id: agent.id,
        source: agent.scope.kind,
        executorType: canonicalExecutorId(agent.config.executor_type ?? "") ?? "viben",
      });
      await sessions.appendMessages(session.id, [
        {
          role: "system",
          content: `[Handoff: conversation transferred from agent "${from}" to agent "${agent.id}"]`,
        },
      ]);
    }
    if (request.context !== undefined) await contexts.set(agent.id, session.id, request.context);
    const result: HandoffResult = { session_id: session.id, from_agent_id: from, agent_id: agent.id };
    if (!request.message) return result;
    const handle = await runs.start({
      agent,
      prompt: delegatedPrompt({
        context: await contexts.forDelegation(agent.id, session.id),
        task: request.message,
      }),
      workdir,
      sessionId: session.id,
      source: "handoff",
    });
    const outcome = await handle.done;
    result.run = {
      run_id: outcome.runId,
      status: outcome.status,
      reply: outcome.response,
      ...(outcome.status === "completed" ? {} : { error: outcome.error ?? `the run ${outcome.status}` }),
    };
    return result;
  }

  async list(limit: number): Promise<DelegationRecord[]> {
    await this.load();
    return this.recent.slice(-limit).reverse();
  }

  async handleMcp(request: Request): Promise<Response> {
    // The MCP SDK's server side loads with the first MCP request, not at start-up.
    const { handleGatewayMcp } = await import("./mcp-endpoint.js");
    return handleGatewayMcp(request, {
      version: this.options.version,
      find: (token) => this.bindings.byTokenOf(token),
      delegate: (run, input) => this.delegateFrom(run, input, "mcp"),
      toolsOf: (run) => this.toolsOf(run),
    });
  }

  /** The gateway's tools a run's agent has: `delegate` and the memory tools, each switched on in its config. */
  private toolsOf(run: RunBinding): { delegate: boolean; memory?: MemoryService } {
    const memory = this.options.memory && memoryEnabled(run.agent) ? this.options.memory : undefined;
    return { delegate: delegationEnabled(run.agent), ...(memory ? { memory } : {}) };
  }

  /** A delegation asked for from inside a run (MCP or native tool): the run is the parent. */
  private delegateFrom(
    run: RunBinding,
    input: DelegateToolInput,
    channel: string,
  ): Promise<DelegationRecord> {
    return this.delegate({
      agentId: input.agent,
      task: input.task,
      parentRunId: run.runId,
      parentSessionKey: run.sessionId,
      inheritContext: input.inherit_context,
      channel,
    });
  }

  /** The workdir asked for; a parent's workdir is shared when the target may use it, else its own default. */
  private async workdirFor(
    agent: AgentRecord,
    wanted: string | undefined,
    roots: string[] | undefined,
    fallBack: boolean,
  ): Promise<string> {
    const first = allowedWorkdirRoots(this.options, agent, roots)[0]!;
    if (wanted === undefined) return resolveWorkdir(this.options, agent, first, roots);
    try {
      return await resolveWorkdir(this.options, agent, wanted, roots);
    } catch (error) {
      if (!fallBack || !(error instanceof DomainError)) throw error;
      return resolveWorkdir(this.options, agent, first, roots);
    }
  }

  private async transcriptOf(sessionKey: string | undefined): Promise<string | undefined> {
    if (!sessionKey) return undefined;
    const session = await this.options.sessions.find(sessionKey).catch(() => null);
    if (!session) return undefined;
    const page = await this.options.sessions.listMessages(session.id, { limit: TRANSCRIPT_MESSAGES });
    return transcriptText(page.messages);
  }

  private runs(): RunService {
    if (!this.runService) throw new Error("delegation used before the run manager was attached");
    return this.runService;
  }

  private async remember(record: DelegationRecord): Promise<void> {
    await this.load();
    this.recent.push(record);
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    try {
      await this.options.log.append(LOG_KEY, [record]);
    } catch (error) {
      this.options.logger.error({ msg: "could not record a delegation", error: (error as Error).message });
    }
  }

  /** The last delegations from the log, once (a restart keeps the listing). */
  private load(): Promise<void> {
    this.loaded ??= this.options.log
      .readTail(LOG_KEY, { limit: RECENT })
      .then((page) => {
        this.recent.unshift(...(page.records as unknown as DelegationRecord[]));
      })
      .catch(() => undefined);
    return this.loaded;
  }
}
