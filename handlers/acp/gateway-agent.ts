import {
  type Agent,
  type AgentSideConnection,
  type CancelNotification,
  type CloseSessionRequest,
  type ContentBlock,
  type InitializeResponse,
  type ListSessionsRequest,
  type ListSessionsResponse,
  type LoadSessionRequest,
  type NewSessionRequest,
  type NewSessionResponse,
  PROTOCOL_VERSION,
  type PromptRequest,
  type PromptResponse,
  RequestError,
} from "@agentclientprotocol/sdk";
import type { Role } from "../../storage/gateway-config.js";
import { idSchema } from "../../storage/schema-helpers.js";
import type { SessionRecord } from "../../storage/sessions.js";
import { checkRunAccess } from "../access/run-access.js";
import type { InteractiveRun, RunHandle, RunRequest, RunService } from "../capabilities/runs.js";
import type { Services } from "../context.js";
import { requireCapability } from "../lib/capability-guard.js";
import { RANK } from "../lib/roles.js";
import { prepareChatRun, requireSessions } from "../runs/run-requests.js";
import { toRequestError } from "./acp-errors.js";
import { PermissionForwarder } from "./permissions.js";
import { SessionUpdateMapper, transcriptUpdates } from "./session-updates.js";

/** Page size of session/list (its cursor is the offset of the next page). */
const LIST_PAGE = 100;

/** What one ACP connection knows of its caller. */
export interface AcpConnectionContext {
  services: Services;
  role: Role;
  workdirRoots?: string[];
  /** `?agent_id=` on the WebSocket URL: the agent for new sessions unless one names another. */
  agentId?: string;
  /** The API key of the handshake (access rules check runs by its name). */
  keyName?: string;
}

/** One prompt turn in flight on this connection. */
interface Turn {
  run?: RunHandle;
  /** Set when the turn runs through the interactive capability: cancel interrupts it. */
  interactive?: InteractiveRun;
  cancelled: boolean;
}

/**
 * The gateway as an ACP agent. An ACP session is a gateway session (the same id, listed under
 * /api/sessions); each prompt is one run of the session's agent through the run manager, resumed with the
 * executor's own session id, and its events stream back as session/update notifications. Where the
 * runtime has interactive runs, a prompt runs through them: an executor with a control channel (Claude
 * Code) then asks before using tools, and each question becomes a session/request_permission to the client.
 */
export class GatewayAcpAgent implements Agent {
  private readonly turns = new Map<string, Turn>();
  private readonly permissions: PermissionForwarder;

  constructor(
    private readonly client: AgentSideConnection,
    private readonly context: AcpConnectionContext,
  ) {
    this.permissions = new PermissionForwarder(client);
  }

  initialize(): InitializeResponse {
    return {
      protocolVersion: PROTOCOL_VERSION,
      agentInfo: { name: "viben", title: "Viben Gateway", version: this.context.services.version },
      agentCapabilities: {
        loadSession: true,
        sessionCapabilities: { list: {}, close: {} },
        promptCapabilities: { image: false, audio: false, embeddedContext: true },
      },
      authMethods: [],
    };
  }

  authenticate(): void {
    // Keys are checked on the WebSocket handshake (Authorization or ?token=); there is nothing to add here.
  }

  newSession(params: NewSessionRequest): Promise<NewSessionResponse> {
    return this.guard("operator", async () => {
      const { services } = this.context;
      const { sessions } = requireSessions(services);
      // The agent: `_meta.agent_id` (ACP's extension point), else the URL's, else the default agent.
      const agentId = metaString(params._meta, "agent_id", "agentId") ?? this.context.agentId;
      if (agentId !== undefined && !idSchema.safeParse(agentId).success)
        throw RequestError.invalidParams({ agent_id: agentId }, "_meta.agent_id: not a valid agent id");
      const { agent, workdir } = await prepareChatRun(
        services,
        { message: "", agent_id: agentId, workdir: params.cwd },
        this.context.workdirRoots,
        "acp",
      );
      const title = metaString(params._meta, "title");
      const session = await sessions.create({
        agent_id: agent.id,
        agent_source: agent.scope.kind,
        workspace_path: agent.scope.workspacePath,
        workdir,
        executor_type: agent.config.executor_type,
        ...(title ? { title } : {}),
      });
      return {
        sessionId: session.id,
        _meta: { ...sessionMeta(session), ...mcpWarning(params.mcpServers) },
      };
    });
  }

  loadSession(params: LoadSessionRequest): Promise<Record<string, unknown>> {
    return this.guard("viewer", async () => {
      const { sessions } = requireSessions(this.context.services);
      await sessions.get(params.sessionId);
      for (const update of transcriptUpdates(await sessions.uiMessages(params.sessionId))) {
        await this.client.sessionUpdate({ sessionId: params.sessionId, update });
      }
      const warning = mcpWarning(params.mcpServers);
      return Object.keys(warning).length > 0 ? { _meta: warning } : {};
    });
  }

  listSessions(params: ListSessionsRequest): Promise<ListSessionsResponse> {
    return this.guard("viewer", async () => {
      const { sessions } = requireSessions(this.context.services);
      const offset = params.cursor ? Number(params.cursor) : 0;
      if (!Number.isSafeInteger(offset) || offset < 0)
        throw RequestError.invalidParams({ cursor: params.cursor }, "cursor: not one this agent gave");
      const all = (await sessions.list()).filter((s) => !params.cwd || s.workdir === params.cwd);
      const page = all.slice(offset, offset + LIST_PAGE);
      return {
        sessions: page.map((s) => ({
          sessionId: s.id,
          cwd: s.workdir,
          title: s.title || null,
          updatedAt: s.last_activity,
          _meta: sessionMeta(s),
        })),
        ...(offset + LIST_PAGE < all.length ? { nextCursor: String(offset + LIST_PAGE) } : {}),
      };
    });
  }

  prompt(params: PromptRequest): Promise<PromptResponse> {
    return this.guard("operator", async () => {
      const { services } = this.context;
      const runs = requireCapability(services, "runs");
      const bus = requireCapability(services, "events");
      const { sessions } = requireSessions(services);
      const sessionId = params.sessionId;
      const message = promptText(params.prompt);
      await sessions.get(sessionId);
      if (this.turns.has(sessionId))
        throw RequestError.invalidRequest(
          { code: "SESSION_BUSY" },
          `session '${sessionId}' has a prompt running`,
        );
      const turn: Turn = { cancelled: false };
      this.turns.set(sessionId, turn);
      try {
        const request = await prepareChatRun(
          services,
          { message, session_id: sessionId },
          this.context.workdirRoots,
          "acp",
        );
        await checkRunAccess(services, this.context.keyName, request.agent.id);
        // Subscribed before the run starts, so not one of its events is missed.
        const events = bus.subscribe({ session_id: sessionId }, { afterSeq: bus.lastSeq });
        let run: RunHandle;
        try {
          run = await this.startRun(runs, request, turn);
        } catch (error) {
          events.close("run did not start");
          throw error;
        }
        turn.run = run;
        if (turn.cancelled) void this.stopTurn(sessionId, turn);
        const mapper = new SessionUpdateMapper(run.runId);
        try {
          for (;;) {
            const event = await events.next();
            if (!event) break;
            if (event.run_id !== run.runId) continue;
            for (const update of mapper.map(event)) await this.client.sessionUpdate({ sessionId, update });
            if (event.type === "run_complete" || event.type === "run_error") break;
          }
        } finally {
          if (events.closeReason?.startsWith("slow consumer")) {
            services.logger.warn({
              msg: "ACP client fell behind; updates were dropped",
              session_id: sessionId,
            });
          }
          events.close("prompt finished");
        }
        const outcome = await run.done;
        const usage = {
          inputTokens: outcome.tokens.input,
          outputTokens: outcome.tokens.output,
          totalTokens: outcome.tokens.input + outcome.tokens.output,
        };
        const meta = { run_id: outcome.runId, status: outcome.status, cost_cents: outcome.costCents };
        if (turn.cancelled || outcome.status === "stopped")
          return { stopReason: "cancelled", usage, _meta: meta };
        if (outcome.status === "completed") return { stopReason: "end_turn", usage, _meta: meta };
        throw RequestError.internalError(
          {
            code: outcome.status === "timeout" ? "RUN_TIMEOUT" : "RUN_FAILED",
            run_id: outcome.runId,
            exit_code: outcome.exitCode,
          },
          outcome.error ?? `the run ${outcome.status === "timeout" ? "timed out" : "failed"}`,
        );
      } finally {
        this.turns.delete(sessionId);
      }
    });
  }

  /** session/cancel is a notification: nothing to answer, the prompt itself ends with `cancelled`. */
  async cancel(params: CancelNotification): Promise<void> {
    if (RANK[this.context.role] < RANK.operator) return;
    const turn = this.turns.get(params.sessionId);
    if (!turn) return;
    turn.cancelled = true;
    if (turn.run) await this.stopTurn(params.sessionId, turn);
  }

  /**
   * Starts the turn's run: interactive where the runtime has it (its permission questions go to the client;
   * an executor without a control channel asks none and runs exactly as a plain run), else a plain run.
   */
  private async startRun(runs: RunService, request: RunRequest, turn: Turn): Promise<RunHandle> {
    if (!runs.startInteractive) return runs.start(request);
    const sessionId = request.sessionId!;
    // Questions only come from the process's output, after the start resolved; the promise keeps it so.
    let ready!: (run: InteractiveRun) => void;
    const started = new Promise<InteractiveRun>((resolve) => {
      ready = resolve;
    });
    const run = await runs.startInteractive({
      ...request,
      onEvent: (event) => {
        if (event.type !== "question") return;
        void started.then((live) => {
          if (live.features.questions) return this.permissions.forward(sessionId, live, event.question);
        });
      },
    });
    ready(run);
    turn.interactive = run;
    return run;
  }

  /** Stops a turn's run: an interactive run is interrupted (the turn ends, then its process). */
  private async stopTurn(sessionId: string, turn: Turn): Promise<void> {
    if (turn.interactive) await turn.interactive.interrupt();
    else await requireCapability(this.context.services, "runs").stop(sessionId);
  }

  /** session/close: stops what this connection runs in the session; the stored session stays. */
  closeSession(params: CloseSessionRequest): Promise<Record<string, never>> {
    return this.guard("operator", async () => {
      await this.cancel({ sessionId: params.sessionId });
      this.permissions.forget(params.sessionId);
      return {};
    });
  }

  /** The socket closed: nobody is left to read the prompts still running, so they are stopped. */
  async disconnect(): Promise<void> {
    await Promise.all([...this.turns.keys()].map((sessionId) => this.cancel({ sessionId })));
  }

  /** Checks the caller's role, then turns any failure into a JSON-RPC error. */
  private async guard<T>(role: Role, work: () => Promise<T>): Promise<T> {
    try {
      if (RANK[this.context.role] < RANK[role]) {
        throw new RequestError(
          -32000,
          `this method requires the ${role} role; the caller has ${this.context.role}`,
          {
            code: "FORBIDDEN_ROLE",
          },
        );
      }
      return await work();
    } catch (error) {
      throw toRequestError(error, this.context.services.logger);
    }
  }
}

function metaString(meta: Record<string, unknown> | null | undefined, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = meta?.[key];
    if (typeof value === "string" && value.length > 0) return value;
  }
  return undefined;
}

/**
 * MCP servers a client sends are accepted, not refused (DESIGN: unknown input gets a warning), but the
 * executors run with the agent's own MCP configuration, so the answer says they were not attached.
 */
function mcpWarning(servers: readonly unknown[] | undefined): { warnings?: string[] } {
  if (!servers || servers.length === 0) return {};
  return {
    warnings: [
      "mcpServers: not attached; the agent runs with its own MCP configuration (see /api/agent/{id})",
    ],
  };
}

/** The gateway's own view of a session, for clients that know it. */
const sessionMeta = (s: SessionRecord) => ({
  agent_id: s.agent_id,
  workspace_path: s.workspace_path,
  status: s.status,
  created_at: s.created_at,
});

/**
 * The prompt as the text an executor takes: text blocks as they are, embedded text resources and links
 * by their URI and content. Images and audio are refused (the capabilities say so at initialize).
 */
function promptText(blocks: ContentBlock[]): string {
  const parts: string[] = [];
  for (const block of blocks) {
    if (block.type === "text") parts.push(block.text);
    else if (block.type === "resource_link") parts.push(`@${block.uri}`);
    else if (block.type === "resource") {
      const resource = block.resource as { uri: string; text?: string };
      parts.push(
        resource.text === undefined
          ? `@${resource.uri}`
          : `<file uri="${resource.uri}">\n${resource.text}\n</file>`,
      );
    } else
      throw RequestError.invalidParams(
        { type: block.type },
        `prompt: ${block.type} content is not supported`,
      );
  }
  const text = parts.join("\n\n");
  if (text.trim().length === 0) throw RequestError.invalidParams(undefined, "prompt: must contain text");
  return text;
}
