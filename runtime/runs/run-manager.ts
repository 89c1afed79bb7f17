import type {
  EventBus,
  ExecutorCatalog,
  Logger,
  RunHandle,
  RunOutcome,
  RunRequest,
  RunService,
} from "../../handlers/capabilities.js";
import { conflict, StorageError } from "../../storage/errors.js";
import { readExecutorOverride } from "../../storage/executor-overrides.js";
import { canonicalExecutorId } from "../../storage/executor-types.js";
import type { Scope } from "../../storage/scopes.js";
import type { SessionRepository } from "../../storage/sessions.js";
import { findExecutorDescriptor } from "../executors/index.js";
import { RunRecorder } from "./run-recorder.js";
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
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000;

interface ActiveRun {
  runId: string;
  process: SupervisedProcess;
  stopReason?: "stopped" | "timeout";
  done: Promise<RunOutcome>;
}

/**
 * Runs agents' executors: one supervised process per run, one run per session at a time, every output
 * turned into events and persisted messages by a RunRecorder. Shutdown stops every run.
 */
export class RunManager implements RunService {
  private readonly active = new Map<string, ActiveRun>();
  private shuttingDown = false;

  constructor(private readonly options: RunManagerOptions) {}

  isRunning(sessionId: string): boolean {
    return this.active.has(sessionId);
  }

  get runningCount(): number {
    return this.active.size;
  }

  async start(request: RunRequest): Promise<RunHandle> {
    if (this.shuttingDown) throw conflict("GATEWAY_SHUTTING_DOWN", "the gateway is shutting down");
    const { agent, prompt, workdir } = request;
    const executorId = agent.config.executor_type
      ? canonicalExecutorId(agent.config.executor_type)
      : undefined;
    if (!executorId) {
      throw new StorageError("validation", "AGENT_NOT_RUNNABLE", `agent '${agent.id}' has no executor_type`, {
        agent_id: agent.id,
      });
    }
    const descriptor = findExecutorDescriptor(executorId)!;
    const info = await this.options.executors.get(executorId, agent.scope.workspacePath);
    const override = await readExecutorOverride(this.options.globalScope, executorId);
    if (!info.command || info.availability.type === "NOT_INSTALLED") {
      throw conflict(
        "EXECUTOR_NOT_INSTALLED",
        `${info.name} (${executorId}) is not installed on this machine`,
        {
          executor_type: executorId,
        },
      );
    }

    const { sessions } = this.options;
    let session = request.sessionId ? await sessions.find(request.sessionId) : null;
    if (request.sessionId && this.active.has(request.sessionId)) {
      throw conflict("SESSION_BUSY", `session '${request.sessionId}' is running; stop it or wait`, {
        session_id: request.sessionId,
      });
    }
    if (session && session.agent_id !== agent.id) {
      throw conflict(
        "SESSION_AGENT_MISMATCH",
        `session '${session.id}' belongs to agent '${session.agent_id}'`,
        {
          session_id: session.id,
        },
      );
    }
    const resumeId = session?.native_session_id;
    if (session && resumeId && descriptor.adapter.resumeRequiresSameWorkdir && session.workdir !== workdir) {
      throw new StorageError(
        "validation",
        "WORKDIR_MISMATCH",
        `workdir: session '${session.id}' runs in ${session.workdir}; ${descriptor.name} resumes only there`,
        { field: "workdir", session_workdir: session.workdir },
      );
    }
    session ??= await sessions.create({
      id: request.sessionId,
      agent_id: agent.id,
      agent_source: agent.scope.kind,
      workspace_path: agent.scope.workspacePath,
      workdir,
      executor_type: executorId,
    });
    const sessionId = session.id;
    // Claim the session synchronously after the awaits above so a concurrent start sees it busy.
    if (this.active.has(sessionId)) {
      throw conflict("SESSION_BUSY", `session '${sessionId}' is running; stop it or wait`, {
        session_id: sessionId,
      });
    }

    const limits = (await this.options.settings?.()) ?? {};
    if (this.active.has(sessionId)) {
      throw conflict("SESSION_BUSY", `session '${sessionId}' is running; stop it or wait`, {
        session_id: sessionId,
      });
    }
    const runId = this.options.newId();
    const recorder = new RunRecorder({
      runId,
      sessionId,
      agentId: agent.id,
      prompt,
      model: agent.config.model,
      sessions,
      events: this.options.events,
      now: this.options.now,
      logger: this.options.logger,
      usageBaseline: descriptor.adapter.usageIsCumulative ? nativeUsage(session) : undefined,
    });
    const command = descriptor.adapter.buildCommand({
      prompt,
      workdir,
      model: agent.config.model,
      systemPrompt: agent.config.system_prompt,
      appendPrompt: agent.config.append_prompt,
      mcpServers: agent.config.mcp_servers,
      permissionMode: agent.config.permission_mode,
      resumeSessionId: resumeId,
    });
    const env = { ...this.options.env, ...override?.env, ...command.env };
    const args = [...(override?.args ?? []), ...command.args];

    const placeholder = { runId } as ActiveRun;
    this.active.set(sessionId, placeholder);
    const child = new SupervisedProcess({
      command: info.command,
      args,
      cwd: workdir,
      env,
      stdin: command.stdin,
      parser: descriptor.adapter.createParser(),
      onOutput: (output) => recorder.record(output),
      graceMs: limits.stopGraceMs,
    });
    placeholder.process = child;
    // Recording the start (session status, the user's message) is queued ahead of every later write of
    // the run, so nothing is reordered, while the process starts without waiting for the disk.
    recorder.begin();
    recorder.started({ pid: child.pid, executor: executorId, workdir, source: request.source });

    const timeout = setTimeout(() => {
      placeholder.stopReason = "timeout";
      void child.stop();
    }, limits.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    timeout.unref();

    placeholder.done = child.exited.then(async (exit) => {
      clearTimeout(timeout);
      try {
        return await recorder.finish(exit, placeholder.stopReason);
      } finally {
        this.active.delete(sessionId);
      }
    });
    return { runId, sessionId, pid: child.pid, done: placeholder.done };
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

  /** Refuses new runs and stops every running one. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await Promise.all([...this.active.keys()].map((sessionId) => this.stop(sessionId)));
  }
}

/** What a cumulative-usage CLI reported at the end of the session's previous run (zero for a new one). */
function nativeUsage(session: Record<string, unknown>): { input: number; output: number } {
  const usage = session.native_usage as { input?: unknown; output?: unknown } | undefined;
  const count = (value: unknown) => (typeof value === "number" && value >= 0 ? value : 0);
  return { input: count(usage?.input), output: count(usage?.output) };
}
