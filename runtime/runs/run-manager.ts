import type { EventBus } from "../../handlers/capabilities/events.js";
import type { ExecutorCatalog } from "../../handlers/capabilities/executors.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type {
  InteractiveRun,
  InteractiveRunRequest,
  RunHandle,
  RunOutcome,
  RunRequest,
  RunService,
} from "../../handlers/capabilities/runs.js";
import { type AgentRecord, mcpServerConfigs } from "../../storage/agents.js";
import { conflict, StorageError } from "../../storage/errors.js";
import { readExecutorOverride } from "../../storage/executor-overrides.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import type { ModelPricing } from "../../storage/provider-types.js";
import type { Scope } from "../../storage/scopes.js";
import { queueModeOf } from "../../storage/session-queue-mode.js";
import type { SessionRecord, SessionRepository } from "../../storage/sessions.js";
import type { RunApprovalGate, RunGovernance } from "../approvals/run-governance.js";
import type { AgentOutput, CommandLine } from "../executors/adapter.js";
import { findExecutorDescriptor } from "../executors/index.js";
import { BusySessions, type PendingMessage } from "./busy-sessions.js";
import { cliContinuation } from "./cli-continuation.js";
import { HeldOutput } from "./held-output.js";
import { InteractiveSession } from "./interactive-run.js";
import type { GatewayProcesses, ProcessFamily } from "./process-cookie.js";
import type { RunBinding, RunExtensions } from "./run-extensions.js";
import type { NativeRunner, RunHooks, RunLifecycle, RunProcess } from "./run-hooks.js";
import { RunRecorder } from "./run-recorder.js";
import { spawnHelperFor } from "./spawn-helper.js";
import { SupervisedProcess } from "./supervised-process.js";

export interface RunManagerOptions {
  sessions: SessionRepository;
  events: EventBus;
  executors: ExecutorCatalog;
  globalScope: Scope;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  newId: () => string;
  now: () => Date;
  /** Current run limits (gateway.yaml `runs:`), read when a run starts. */
  settings?: () => Promise<{ timeoutMs?: number; stopGraceMs?: number }>;
  /** Runs agents without an executor; without it such agents are refused. */
  native?: NativeRunner;
  hooks?: RunHooks;
  /** Prices for runs whose executor reports tokens but no cost. */
  pricing?: (model: string, agent: AgentRecord) => Promise<ModelPricing | undefined>;
  /**
   * Marks every process a run starts with the run's cookie, so what its tools detach (`setsid cmd &`) is
   * still found and killed when the run ends. Without it only the process tree is followed.
   */
  processes?: GatewayProcesses;
  /** Told of every run's start and end, whatever started it (the run registry). */
  lifecycle?: RunLifecycle;
  /** The gateway's own tools for runs (delegation): extra MCP servers or native tools, bound to the run. */
  extensions?: RunExtensions;
  /** Approvals of tool calls and the guardian's hints (runtime/approvals). */
  governance?: RunGovernance;
  /** Instructions every run of the agent follows beyond its own (standing orders), joined to its append prompt. */
  instructions?: (agent: AgentRecord) => Promise<string | undefined>;
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;
/** How much of a session's past a native run sends to the model. */
const NATIVE_HISTORY_LIMIT = 500;

interface ActiveRun {
  runId: string;
  process?: RunProcess;
  stopReason?: "stopped" | "timeout";
  done: Promise<RunOutcome>;
}

/** How one run is executed, decided before anything is stored. */
interface LaunchPlan {
  /** The executor id, or "viben" for a native run. */
  executor: string;
  resumeRequiresSameWorkdir: boolean;
  usageIsCumulative: boolean;
  /** The CLI has a two-way control channel (its tool calls can wait for approval). */
  twoWay: boolean;
  launch(context: LaunchContext): Promise<RunProcess>;
}

interface LaunchContext {
  session: SessionRecord;
  runId: string;
  /** The run's processes; undefined when the gateway marks none. */
  family?: ProcessFamily;
  stopGraceMs?: number;
  onOutput: (output: AgentOutput) => void;
  /** Set for an interactive run: a two-way CLI is launched through it. */
  interactive?: InteractiveSession;
  /** The run as the gateway's extensions see it. */
  binding: RunBinding;
  /** Set when the run's tool calls wait for approval. */
  approvals?: RunApprovalGate;
}

/**
 * Runs agents: an executor CLI as one supervised process per run, or a native run inside the gateway;
 * one run per session at a time; every output turned into events and persisted messages by a
 * RunRecorder. Shutdown stops every run.
 */
export class RunManager implements RunService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly interactive = new Map<string, InteractiveRun>();
  private shuttingDown = false;
  // A message to a running session follows the session's queue mode (reject, queue, steer, interrupt).
  private readonly busySessions = new BusySessions({
    running: (sid) => this.active.get(sid)?.done,
    stop: (sid) => this.stop(sid),
    findInteractive: (sid) => this.interactive.get(sid),
    mode: async (sid) => queueModeOf(await this.options.sessions.find(sid)),
    launch: async (request) => (await this.launch(request)).handle,
    now: () => this.options.now(),
  });

  constructor(private readonly options: RunManagerOptions) {}

  /**
   * Executor CLIs start from the small spawn helper; `VIBEN_SPAWN_HELPER=off` spawns from the gateway,
   * `node` from a Node helper even where Python is found.
   */
  private get spawnHelper() {
    return spawnHelperFor(this.options.env.VIBEN_SPAWN_HELPER);
  }

  isRunning(sessionId: string): boolean {
    return this.active.has(sessionId);
  }

  get runningCount(): number {
    return this.active.size;
  }

  async start(request: RunRequest): Promise<RunHandle> {
    return this.busySessions.start(request);
  }

  /** Messages waiting for the session's current run to end. */
  pending(sessionId: string): PendingMessage[] {
    return this.busySessions.pending(sessionId);
  }

  /**
   * Starts a run the caller talks to. Its session, recording and events are those of any run; a two-way
   * CLI (Claude Code) also takes steer, answers and interrupts on its open stdin.
   */
  async startInteractive(request: InteractiveRunRequest): Promise<InteractiveRun> {
    const { handle, session, active } = await this.launch(request, request.onEvent);
    const conversation = session!;
    const run: InteractiveRun = {
      ...handle,
      get features() {
        return conversation.features;
      },
      get pendingQuestions() {
        return conversation.pendingQuestions;
      },
      steer: (message) => conversation.steer(message),
      answer: (questionId, answer) => conversation.answer(questionId, answer),
      interrupt: () => {
        active.stopReason ??= "stopped";
        return conversation.interrupt(handle.done);
      },
    };
    this.interactive.set(handle.sessionId, run);
    void handle.done.then(
      (outcome) => {
        this.interactive.delete(handle.sessionId);
        conversation.end(outcome);
      },
      () => this.interactive.delete(handle.sessionId),
    );
    return run;
  }

  findInteractive(sessionId: string): InteractiveRun | undefined {
    return this.interactive.get(sessionId);
  }

  private async launch(
    request: RunRequest,
    onEvent?: InteractiveRunRequest["onEvent"],
  ): Promise<{ handle: RunHandle; session?: InteractiveSession; active: ActiveRun }> {
    if (this.shuttingDown) throw conflict("GATEWAY_SHUTTING_DOWN", "the gateway is shutting down");
    const { agent, prompt, workdir } = request;
    await this.options.hooks?.beforeRun?.(agent);
    const plan = await this.plan(agent, prompt, workdir);

    const { sessions } = this.options;
    const busy = (id: string) =>
      conflict("SESSION_BUSY", `session '${id}' is running; stop it or wait`, { session_id: id });
    if (request.sessionId && this.active.has(request.sessionId)) throw busy(request.sessionId);
    let session = request.sessionId ? await sessions.find(request.sessionId) : null;
    if (session && session.agent_id !== agent.id) {
      throw conflict(
        "SESSION_AGENT_MISMATCH",
        `session '${session.id}' belongs to agent '${session.agent_id}'`,
        {
          session_id: session.id,
        },
      );
    }
    if (session?.native_session_id && plan.resumeRequiresSameWorkdir && session.workdir !== workdir) {
      throw new StorageError(
        "validation",
        "WORKDIR_MISMATCH",
        `workdir: session '${session.id}' runs in ${session.workdir}; ${plan.executor} resumes only there`,
        { field: "workdir", session_workdir: session.workdir },
      );
    }
    const fields = {
      agent_id: agent.id,
      agent_source: agent.scope.kind,
      workspace_path: agent.scope.workspacePath,
      workdir,
      executor_type: plan.executor,
    };
    // A new session of a CLI run is stored with the run's start, while its process starts (a write of its
    // own before the spawn was a third of a queued job's time). One the caller names is created first, so a
    // clash of ids is refused before anything runs, as is a native run's (it reads its history to start).
    const draft =
      !session && !request.sessionId && plan.executor !== "viben" ? sessions.draft(fields) : undefined;
    session ??= draft ?? (await sessions.create({ id: request.sessionId, ...fields }));
    const limits = (await this.options.settings?.()) ?? {};
    const sessionId = session.id;
    // Claim the session synchronously after the last await so a concurrent start sees it busy.
    if (this.active.has(sessionId)) throw busy(sessionId);
    const runId = this.options.newId();
    const active: ActiveRun = { runId, done: Promise.resolve() as unknown as Promise<RunOutcome> };
    this.active.set(sessionId, active);

    const recorder = new RunRecorder({
      runId,
      sessionId,
      agentId: agent.id,
      prompt,
      model: agent.config.model,
      provider: agent.config.provider,
      executor: plan.executor,
      sessions,
      events: this.options.events,
      now: this.options.now,
      logger: this.options.logger,
      hooks: this.options.hooks,
      pricing: this.options.pricing ? (model) => this.options.pricing!(model, agent) : undefined,
      usageBaseline: plan.usageIsCumulative ? nativeUsage(session) : undefined,
    });
    const family = this.options.processes?.family("run", runId);
    const binding = {
      runId,
      sessionId,
      agent,
      workdir,
      depth: request.delegation?.depth ?? 0,
      ...(request.delegation?.parentRunId ? { parentRunId: request.delegation.parentRunId } : {}),
    };
    // A caller of an interactive run answers its questions itself; otherwise the approval gate does,
    // over the control channel of a two-way CLI (which then runs like an interactive run).
    const approvals = onEvent ? undefined : this.options.governance?.approvalsFor(binding);
    let conversation: InteractiveSession | undefined;
    const listener =
      onEvent ??
      (approvals && plan.twoWay
        ? approvals.cliListener((id, answer) => conversation?.answer(id, answer))
        : undefined);
    conversation = listener
      ? new InteractiveSession({
          executor: plan.executor,
          onEvent: listener,
          record: (output) => recorder.record(output),
          recordUserTurn: (text) => recorder.userTurn(text),
          stop: () => this.stop(sessionId).then(() => undefined),
          markStopped: () => {
            active.stopReason ??= "stopped";
          },
          newId: this.options.newId,
          graceMs: limits.stopGraceMs,
        })
      : undefined;
    const output = new HeldOutput(
      conversation ? (out) => conversation.output(out) : (out) => recorder.record(out),
    );
    let child: RunProcess | undefined;
    let begun = false;
    try {
      await request.ready;
      const launching = plan.launch({
        session,
        runId,
        binding,
        family,
        stopGraceMs: limits.stopGraceMs,
        onOutput: (out) => output.push(out),
        interactive: conversation,
        approvals,
      });
      // Recording the start (session status, the user's message) is queued ahead of every later write of
      // the run, so nothing is reordered. An executor's spawn request is already on its way to the spawn
      // helper: its start is written while the process starts, not after (a short run otherwise waited
      // for it at its end). A native run records once it has started, as before.
      let recorded: Promise<void> | undefined;
      if (plan.executor !== "viben") {
        recorded = recorder.begin(draft);
        // A failure is logged by the recorder; it stops the run only where it leaves no session.
        recorded.catch(() => undefined);
        begun = true;
      }
      child = await launching;
      active.process = child;
      // Nobody hears of the run (its handle, run_started) before its session can be read.
      if (draft) await recorded;
    } catch (error) {
      this.active.delete(sessionId);
      this.options.extensions?.released(runId);
      this.options.governance?.released(runId);
      // Started, but its new session could not be stored: a run that cannot be recorded does not go on.
      if (child) await child.stop();
      // Its start is on record: so is its failure, and the session does not stay "running".
      if (begun) await recorder.finish({ code: null, signal: null, stderrTail: errorText(error) }, undefined);
      throw error;
    }
    if (!begun) recorder.begin().catch(() => undefined);
    recorder.started({ pid: child.pid, executor: plan.executor, workdir, source: request.source });
    conversation?.started({ sessionId, runId, pid: child.pid, executor: plan.executor, workdir });
    output.release();
    this.options.lifecycle?.started({
      runId,
      sessionId,
      pid: child.pid,
      executor: plan.executor,
      workdir,
      request,
    });
    this.options.governance?.started(binding);

    const timeout = setTimeout(() => {
      active.stopReason = "timeout";
      void child.stop();
    }, limits.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    timeout.unref();

    const ended = child.exited.then(async (exit) => {
      clearTimeout(timeout);
      // The run is over only once nothing it started runs: stop, timeout and a normal end alike.
      if (family) await this.killLeftovers(family, runId);
      return exit;
    });
    active.done = ended.then(async (exit) => {
      // After what the run's end set off without waiting (the queue's next launch), not in between.
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        const outcome = await recorder.finish(exit, active.stopReason);
        this.options.lifecycle?.finished(outcome);
        return outcome;
      } finally {
        this.active.delete(sessionId);
        this.options.extensions?.released(runId);
        this.options.governance?.released(runId);
      }
    });
    const handle = { runId, sessionId, pid: child.pid, done: active.done, ended: ended.then(noop, noop) };
    return { handle, session: conversation, active };
  }

  /** Stops the session's run; resolves false when nothing was running. */
  async stop(sessionId: string): Promise<boolean> {
    const run = this.active.get(sessionId);
    if (!run?.process) return false;
    run.stopReason ??= "stopped";
    await run.process.stop();
    await run.done;
    return true;
  }

  /** Kills the run's processes that outlived it (detached tools); never fails the run's recording. */
  private async killLeftovers(family: ProcessFamily, runId: string): Promise<void> {
    try {
      const killed = await family.kill();
      if (killed.length > 0) {
        this.options.logger.info({
          msg: "killed processes the run left running",
          run_id: runId,
          processes: killed.map((p) => ({ pid: p.pid, name: p.name })),
        });
      }
    } catch (error) {
      this.options.logger.warn({
        msg: "could not kill the run's leftover processes",
        run_id: runId,
        error: (error as Error).message,
      });
    }
  }

  /** Refuses new runs and stops every running one. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.active.keys()].map((sessionId) => this.stop(sessionId)));
  }

  /** Decides how the agent runs, refusing it (before anything is stored) when it cannot. */
  private async plan(configured: AgentRecord, prompt: string, workdir: string): Promise<LaunchPlan> {
    const agent = await appendInstructions(configured, this.options.instructions);
    const executorId = agent.config.executor_type
      ? canonicalExecutorId(agent.config.executor_type)
      : undefined;
    if (!executorId) {
      const native = this.options.native;
      if (!native) {
        throw new StorageError(
          "validation",
          "AGENT_NOT_RUNNABLE",
          `agent '${agent.id}' has no executor_type`,
          {
            agent_id: agent.id,
          },
        );
      }
      await native.check(agent);
      return {
        executor: "viben",
        resumeRequiresSameWorkdir: false,
        usageIsCumulative: false,
        twoWay: false,
        launch: async ({ session, runId, family, onOutput, binding, approvals }) => {
          const page = await this.options.sessions.listMessages(session.id, { limit: NATIVE_HISTORY_LIMIT });
          return native.start({
            agent,
            prompt,
            workdir,
            sessionId: session.id,
            runId,
            history: page.messages,
            extraTools: this.options.extensions?.nativeTools(binding),
            family,
            onOutput,
            reportCall: (usage) => this.options.hooks?.onProviderCall?.(usage),
            ...(approvals ? { wrapTools: (tools) => approvals.wrapTools(tools) } : {}),
            ...(this.options.governance ? { takeHints: () => this.options.governance!.hints(runId) } : {}),
          });
        },
      };
    }
    const descriptor = findExecutorDescriptor(executorId)!;
    const info = await this.options.executors.get(executorId, agent.scope.workspacePath);
    if (!info.command || info.availability.type === "NOT_INSTALLED") {
      throw conflict(
        "EXECUTOR_NOT_INSTALLED",
        `${info.name} (${executorId}) is not installed on this machine`,
        {
          executor_type: executorId,
        },
      );
    }
    const override = await readExecutorOverride(this.options.globalScope, executorId);
    const command = info.command;
    const spec = {
      prompt,
      workdir,
      model: agent.config.model,
      systemPrompt: agent.config.system_prompt,
      appendPrompt: agent.config.append_prompt,
      mcpServers: mcpServerConfigs(agent.config),
      permissionMode: agent.config.permission_mode,
    };
    refuseNulInCommandLine(agent, prompt, descriptor.adapter.buildCommand(spec), override);
    return {
      executor: executorId,
      resumeRequiresSameWorkdir: descriptor.adapter.resumeRequiresSameWorkdir,
      usageIsCumulative: descriptor.adapter.usageIsCumulative ?? false,
      twoWay: descriptor.adapter.interactive !== undefined,
      launch: async ({ session, family, stopGraceMs, onOutput, interactive, binding }) => {
        // Resume the CLI's conversation, fork one (a forked session), or start one with the transcript.
        const continued = cliContinuation(session, prompt, descriptor.adapter.forkSession === true);
        // The gateway's own MCP server (delegation) joins the agent's, bound to this run by its URL token.
        const ownServers = descriptor.supportsMcp ? this.options.extensions?.mcpServers(binding) : undefined;
        const runSpec = ownServers
          ? {
              ...spec,
              ...continued,
              mcpServers: { ...spec.mcpServers, ...ownServers },
              trustedMcpServers: Object.keys(ownServers),
            }
          : { ...spec, ...continued };
        // Forked once: the run records its own new CLI session, which later runs resume.
        if (continued.forkSession) {
          await this.options.sessions.update(session.id, {
            fork_on_resume: null,
            fork_native_session_id: null,
          });
        }
        const protocol = interactive ? descriptor.adapter.interactive?.() : undefined;
        if (interactive && protocol) {
          // A two-way CLI: the prompt is the first turn on its open stdin.
          interactive.useProtocol(protocol);
          const line = protocol.buildCommand(runSpec);
          const child = await SupervisedProcess.start(
            {
              command,
              args: [...(override?.args ?? []), ...line.args],
              cwd: workdir,
              env: markFamily(family, { ...this.options.env, ...override?.env, ...line.env }),
              stdin: `${protocol.userTurn(runSpec.prompt)}\n`,
              keepStdinOpen: true,
              parser: interactive.parser(() => descriptor.adapter.createParser()),
              onOutput,
              graceMs: stopGraceMs,
            },
            this.spawnHelper,
          );
          interactive.attach(child);
          return child;
        }
        const line = descriptor.adapter.buildCommand(runSpec);
        return SupervisedProcess.start(
          {
            command,
            args: [...(override?.args ?? []), ...line.args],
            cwd: workdir,
            env: markFamily(family, { ...this.options.env, ...override?.env, ...line.env }),
            stdin: line.stdin,
            parser: descriptor.adapter.createParser(),
            onOutput,
            graceMs: stopGraceMs,
          },
          this.spawnHelper,
        );
      },
    };
  }
}

/** The agent's append prompt followed by the gateway's instructions for it (read at each run's start). */
async function appendInstructions(
  agent: AgentRecord,
  instructions: ((agent: AgentRecord) => Promise<string | undefined>) | undefined,
): Promise<AgentRecord> {
  const extra = (await instructions?.(agent))?.trim();
  if (!extra) return agent;
  const own = agent.config.append_prompt?.trim();
  return { ...agent, config: { ...agent.config, append_prompt: own ? `${own}\n\n${extra}` : extra } };
}

/** The environment with the family's cookie (set last: neither an override nor an adapter may drop it). */
function markFamily(
  family: ProcessFamily | undefined,
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  return family ? family.env(env) : env;
}

/**
 * A command line or environment cannot carry NUL (spawn throws): a prompt or an agent field with one is
 * refused as bad input before the session is stored, naming the field, rather than failing mid-start.
 */
function refuseNulInCommandLine(
  agent: AgentRecord,
  prompt: string,
  line: CommandLine,
  override: { args?: string[]; env?: Record<string, string> } | null,
): void {
  const env = Object.entries({ ...override?.env, ...line.env }).flat();
  const values = [...line.args, ...(override?.args ?? []), ...env];
  if (!values.some((value) => typeof value === "string" && value.includes("\u0000"))) return;
  const fields: [string, unknown][] = [["prompt", prompt], ...Object.entries(agent.config)];
  const field = fields.find(([, value]) => JSON.stringify(value ?? "").includes("\\u0000"))?.[0];
  throw new StorageError(
    "validation",
    "VALIDATION_ERROR",
    `${field ?? "command line"}: must not contain NUL characters (they cannot be passed to ${agent.config.executor_type})`,
    { field: field ?? null, agent_id: agent.id },
  );
}

/** What a cumulative-usage CLI reported at the end of the session's previous run (zero for a new one). */
function nativeUsage(session: Record<string, unknown>): { input: number; output: number } {
  const usage = session.native_usage as { input?: unknown; output?: unknown } | undefined;
  const count = (value: unknown) => (typeof value === "number" && value >= 0 ? value : 0);
  return { input: count(usage?.input), output: count(usage?.output) };
}

function noop(): void {}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
