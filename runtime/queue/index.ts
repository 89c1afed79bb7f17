import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import { AgentRepository } from "../../storage/agents.js";
import type { AppendLog } from "../../storage/append-log.js";
import type { GatewayConfigSource } from "../../storage/gateway-config.js";
import { QueueJournal } from "../../storage/queue-journal.js";
import type { DirectoryProbe } from "../../storage/rules/allowed-directory.js";
import type { Scopes } from "../../storage/scopes.js";
import type { SessionRepository } from "../../storage/sessions.js";
import { TaskRepository } from "../../storage/tasks.js";
import type { QueueClock } from "./clock.js";
import type { ManagedQueue, QueueParts } from "./managed-queue.js";
import { queuedRunPreparer } from "./prepare-run.js";
import { DurableRunQueue } from "./run-queue.js";
import { attachTaskSync } from "./task-sync.js";

export type { ManagedQueue, QueueParts } from "./managed-queue.js";
export { ManualClock } from "./manual-clock.js";
export { DurableRunQueue } from "./run-queue.js";

export interface QueueRuntimeOptions {
  /** The global root's append log: the journal lives at `queue/journal.jsonl` beside the sessions. */
  log: AppendLog;
  runs: RunService;
  scopes: Scopes;
  gatewayConfig: GatewayConfigSource;
  logger: Logger;
  events?: EventBus;
  sessions?: SessionRepository;
  /** The filesystem probe a job's workdir is checked with when it starts. */
  paths: DirectoryProbe;
  /** Where a job's agent is looked up (a repository of its own by default: it caches per store generation). */
  agents?: AgentRepository;
  clock?: QueueClock;
  /** Multi-instance mode: builds the shared queue instead of the journal-backed one. */
  shared?: (parts: QueueParts) => ManagedQueue;
}

/**
 * The Node gateway's queue with its wiring: journal, gateway.yaml limits, job → run request, crash
 * recovery against the session store, and the task sync. `open()` before serving; `start()` once the
 * server listens; `stop()` first on shutdown (before the run manager stops what is left).
 */
export function createQueueRuntime(options: QueueRuntimeOptions) {
  const { sessions } = options;
  const parts: QueueParts = {
    runs: options.runs,
    prepare: queuedRunPreparer({
      scopes: options.scopes,
      agents: options.agents ?? new AgentRepository(() => new Date()),
      paths: options.paths,
      sessions,
      gatewayConfig: options.gatewayConfig,
    }),
    settings: async () => (await options.gatewayConfig.get()).queue,
    home: options.scopes.home,
    logger: options.logger,
    events: options.events,
    clock: options.clock,
    runCompleted: sessions
      ? async (sessionId, runId) => {
          const session = await sessions.find(sessionId);
          return session?.last_run?.run_id === runId && session.last_run.status === "completed";
        }
      : undefined,
  };
  const queue: ManagedQueue = options.shared
    ? options.shared(parts)
    : new DurableRunQueue({ ...parts, journal: new QueueJournal(options.log) });
  const taskSync = attachTaskSync(queue, {
    scopes: options.scopes,
    tasks: new TaskRepository(() => new Date()),
    logger: options.logger,
  });
  return {
    queue,
    taskSync,
    open: () => queue.open(),
    async start(): Promise<void> {
      await taskSync.reconcile();
      queue.start();
    },
    async stop(): Promise<void> {
      await queue.stop();
      await taskSync.settled();
    },
  };
}

export type QueueRuntime = ReturnType<typeof createQueueRuntime>;
