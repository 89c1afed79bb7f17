import type {
  createServer as createHttpServer,
  Server as HttpServer,
  RequestListener,
  ServerOptions,
} from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createAdaptorServer, upgradeWebSocket } from "@hono/node-server";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunQueue } from "../../handlers/capabilities/queue.js";
import type { GatewayStartup } from "../../handlers/capabilities/startup.js";
import { createApp, WEBSOCKET_ROUTES } from "../../handlers/index.js";
import type { AppendLog } from "../../storage/append-log.js";
import { AuditLog } from "../../storage/audit-log.js";
import { BackgroundTaskRepository } from "../../storage/background-tasks.js";
import { CommitmentRepository } from "../../storage/commitments.js";
import { FsAppendLog } from "../../storage/drivers/fs-append-log.js";
import { atomicFsDriver, fsBackends, sweepTempFiles } from "../../storage/drivers/fs-atomic.js";
import {
  compileGatewayConfig,
  GATEWAY_CONFIG_KEY,
  GatewayConfigSource,
} from "../../storage/gateway-config.js";
import { HistoryRepository } from "../../storage/history.js";
import { MemoryRepository } from "../../storage/memory.js";
import { findPricing } from "../../storage/model-pricing.js";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";
import { RunRecordRepository } from "../../storage/run-records.js";
import { Scopes } from "../../storage/scopes.js";
import { SessionRepository } from "../../storage/sessions.js";
import { SettingsRepository } from "../../storage/settings.js";
import { ActivityTracker } from "../activity.js";
import { createGovernance } from "../approvals/index.js";
import { listAuditDays } from "../audit/audit-days.js";
import { BusAudit } from "../audit/bus-audit.js";
import { BackgroundTaskScheduler } from "../background-tasks.js";
import { createChannelRuntime } from "../channels/index.js";
import { CommitmentScheduler } from "../commitments/commitment-scheduler.js";
import { fsCronFileStamps } from "../cron/job-files.js";
import { CronScheduler } from "../cron/scheduler.js";
import { createDelegation } from "../delegation/index.js";
import { GatewayDiagnostics } from "../diagnostics/diagnostics.js";
import type { LogRing } from "../diagnostics/log-ring.js";
import { createEventBus } from "../event-bus.js";
import { createExecutorCatalog } from "../executors/catalog.js";
import { createNativeSessionStore } from "../executors/native-sessions/store.js";
import { createGroupChats } from "../group-chats/index.js";
import { HeartbeatMonitor } from "../heartbeat.js";
import { attachHookCallbacks } from "../hooks/callbacks.js";
import { createMcpConfigService } from "../mcp/mcp-config-service.js";
import { AgentMemory } from "../memory/agent-memory.js";
import { createLazyNativeRunner } from "../native/lazy-native-runner.js";
import { createOAuthRuntime } from "../oauth/index.js";
import { createProviderChecker } from "../providers/checker.js";
import { createQueueRuntime, type QueueParts } from "../queue/index.js";
import { cookieOwner, GatewayProcesses } from "../runs/process-cookie.js";
import { RunManager } from "../runs/run-manager.js";
import { GatewayRunRegistry } from "../runs/run-registry.js";
import { standingOrderInstructions } from "../standing-orders.js";
import { createAccounting } from "../telemetry/accounting.js";
import { TerminalManager } from "../terminals/terminal-manager.js";
import { VERSION } from "../version.js";
import { nodePaths, nodeRemoteAddress } from "./capabilities.js";
import { nodeStaticAssets } from "./docs-assets.js";
import type { Front } from "./front.js";
import type { GatewayLock } from "./gateway-lock.js";
import { answerHealthProbes } from "./health-probes.js";
import { LazyWebSocketServer } from "./lazy-websocket-server.js";
import {
  type GatewayOptions,
  GatewayStartError,
  MAX_WEBSOCKET_FRAME_BYTES,
  type RunningGateway,
  refusedBindMessage,
} from "./start-types.js";
import {
  answerHandshakeErrorsWithEnvelope,
  answerRefusedUpgradesInFull,
  serveUpgradesOnWebSocketRoutesOnly,
} from "./upgrade-requests.js";

/**
 * The gateway behind its front (runtime/node/front.ts): storage, recovery of what the last shutdown cut
 * off, the services, the app. Loaded by server.ts once the port is open, so none of it weighs on the time
 * to the first /health answer; requests other than /health wait for it.
 */
export interface ServicesStart {
  options: GatewayOptions;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  logRing: LogRing;
  home: string;
  globalRoot: string;
  lock: GatewayLock;
  front: Front;
  host: string;
  /** How the gateway was started, for /health (set once the front listens). */
  startup: GatewayStartup;
  startedAt: number;
}

export async function startServices(start: ServicesStart): Promise<RunningGateway> {
  const { options, env, logger, logRing, home, globalRoot, lock, front, host, startup, startedAt } = start;
  const processes = await killOrphans(globalRoot, logger);
  // What writes a crash or SIGKILL interrupted left behind goes before anything reads or lists the root.
  const swept = await sweepTempFiles(globalRoot);
  if (swept > 0)
    logger.info({ msg: "removed temp files of interrupted writes", count: swept, root: globalRoot });
  let scopes = new Scopes({ home, globalRoot, backend: fsBackends() });

  // The whole of gateway.yaml is checked before any request but /health is answered (the front read only
  // the address and whether keys exist).
  let fileConfig: ReturnType<typeof compileGatewayConfig>;
  try {
    fileConfig = compileGatewayConfig(
      (await scopes.global().store.read(GATEWAY_CONFIG_KEY))?.data ?? {},
      env,
    );
  } catch (error) {
    await scopes.dispose();
    throw new GatewayStartError(
      `cannot load ${join(globalRoot, GATEWAY_CONFIG_KEY)}: ${(error as Error).message}`,
    );
  }
  if (!isLoopbackAddress(host) && fileConfig.apiKeys.length === 0) {
    await scopes.dispose();
    throw new GatewayStartError(refusedBindMessage(host, globalRoot));
  }

  // Multi-instance mode (gateway.yaml `redis:` or VIBEN_REDIS_URL): Redis and its client load only then.
  let multi: import("../redis/multi-instance.js").MultiInstance | undefined;
  if (fileConfig.redis) {
    try {
      const { startMultiInstance } = await import("../redis/multi-instance.js");
      multi = await startMultiInstance({
        settings: fileConfig.redis,
        logger,
        instanceId: env.VIBEN_INSTANCE_ID?.trim() || undefined,
      });
    } catch (error) {
      await scopes.dispose();
      throw new GatewayStartError((error as Error).message);
    }
  }

  // Several instances share the global data (documents and logs) in Redis, all but each one's own keys.
  let log: AppendLog = new FsAppendLog(globalRoot);
  let sharedKeyChanges: import("../redis/shared-storage.js").SharedKeyChanges | undefined;
  if (multi) {
    const shared = (await import("../redis/shared-storage.js")).sharedGlobalStorage(multi, {
      backends: fsBackends(),
      driver: (root) => atomicFsDriver({ base: root }),
      log,
    });
    await scopes.dispose();
    scopes = new Scopes({ home, globalRoot, backend: shared.backends });
    log = shared.log;
    sharedKeyChanges = shared.changes;
  }

  // With several instances, events go through a Redis stream (every instance sees every run's events).
  const redisEvents = multi
    ? await (await import("../redis/event-bus.js")).createRedisEventBus({ redis: multi.redis, logger })
    : undefined;
  const events = redisEvents ?? createEventBus();
  const gatewayConfig = new GatewayConfigSource(scopes.global(), env, (message) =>
    logger.warn({ msg: "gateway config", detail: message }),
  );
  const executors = createExecutorCatalog({ home, env, globalScope: scopes.global() });
  // The audit trail (~/.viben/audit/<UTC day>.jsonl): requests are audited by the app, runs and approvals here.
  const audit = new AuditLog({
    log,
    listDays: () => listAuditDays(globalRoot),
    onWriteError: (error, count) =>
      logger.error({ msg: "audit entries not written", count, error: error.message }),
  });
  const busAudit = new BusAudit(events, audit);
  busAudit.start();
  const history = new HistoryRepository({ log });
  const sessions = new SessionRepository({ scope: scopes.global(), log, history });
  const interrupted = await sessions.recoverInterrupted(
    multi ? (await import("../redis/run-owners.js")).sessionLiveElsewhere.bind(undefined, multi) : undefined,
  );
  if (interrupted > 0)
    logger.warn({ msg: "sessions interrupted by the last shutdown marked failed", count: interrupted });
  const accounting = await createAccounting({
    log,
    gatewayConfig,
    events,
    logger,
    // Several instances: budgets count what every instance spent today and this month.
    sharedSpend: multi
      ? await (await import("../redis/shared-spend.js")).redisSharedSpend(
          multi.redis,
          multi.instanceId,
          logger,
        )
      : undefined,
  });
  // Every run by its id; runs the last gateway left live read as interrupted before any run starts.
  const runRegistry = new GatewayRunRegistry({
    records: new RunRecordRepository(scopes.global(), log),
    now: () => new Date(),
    logger,
    stop: (sessionId): Promise<boolean> => runs.stop(sessionId),
    queue: (): RunQueue => queue.queue,
  });
  // Several instances: each run's instance is recorded, so run-by-id requests elsewhere are forwarded.
  const runOwnership = multi
    ? (await import("../redis/run-owners.js")).redisRunOwners(multi, runRegistry, logger)
    : undefined;
  const cutOff = await runRegistry.recover();
  if (cutOff.length > 0)
    logger.warn({ msg: "runs cut off by the last shutdown marked interrupted", count: cutOff.length });
  // Agents' memory: nothing is read until an agent's memory is first used.
  const memory = new AgentMemory({ repository: new MemoryRepository(scopes.global()), logger });
  // Delegation runs through the run manager and hands it the delegation tools (built before it, attached after).
  const delegation = createDelegation({
    memory,
    scopes,
    sessions,
    log,
    gatewayConfig,
    budgets: accounting.budgets,
    logger,
    version: VERSION,
  });
  // Tool calls that wait for a person, and the guardian's hints (runtime/approvals).
  const governance = createGovernance({ scope: scopes.global(), events, logger });
  const runs = new RunManager({
    sessions,
    events,
    executors,
    globalScope: scopes.global(),
    env,
    logger,
    newId: () => crypto.randomUUID(),
    now: () => new Date(),
    settings: async () => {
      const config = await gatewayConfig.get();
      return { timeoutMs: config.runTimeoutMs, stopGraceMs: config.stopGraceMs };
    },
    // Agents without an executor run inside the gateway against their provider (runtime/native).
    native: createLazyNativeRunner({ globalScope: scopes.global(), env, logger }),
    // Executors that report tokens but no cost (Codex, Gemini, ...) are priced from the price table.
    pricing: (model, agent) => findPricing(model, { global: scopes.global(), workspace: agent.scope }),
    hooks: accounting.hooks,
    processes,
    lifecycle: runOwnership?.lifecycle ?? runRegistry,
    extensions: delegation.extensions,
    governance: governance.runs,
    // Standing orders join the instructions of every run of the agents they name.
    instructions: standingOrderInstructions(scopes.global(), logger),
  });
  delegation.attach(runs);
  governance.guardian.start();
  const terminalManager = new TerminalManager({ env, logger, processes, loadPty: options.loadPty });
  // Several instances: each terminal's instance is recorded, so the others can point (or pass) requests there.
  const terminalOwnership = multi
    ? (await import("../redis/terminal-owners.js")).redisTerminalOwners(multi, terminalManager, logger)
    : undefined;
  const terminals = terminalOwnership?.terminals ?? terminalManager;
  // The queue settles jobs a crash left running before anything is served; it starts once listening.
  const queue = createQueueRuntime({
    log,
    runs,
    scopes,
    gatewayConfig,
    logger,
    events,
    sessions,
    paths: nodePaths,
    // Multi-instance mode: jobs live in Redis, run once across instances, and outlive a dead instance.
    shared: multi ? await sharedQueueFactory(multi) : undefined,
  });
  await queue.open();
  // Webhook wakes with a callback_url hear the result when their job ends.
  const hookCallbacks = attachHookCallbacks({ queue: queue.queue, sessions, gatewayConfig, logger });
  // Cron and the heartbeat enqueue through the queue; both start once the server listens.
  const cron = new CronScheduler({
    scope: scopes.global(),
    log,
    queue: queue.queue,
    events,
    logger,
    // Start-up checks job files against the due index by stat alone (shared jobs: by their content).
    stamps: multi ? undefined : fsCronFileStamps(globalRoot),
    // Several instances on one Redis: each scheduled time fires on one of them.
    claims: multi ? (await import("../redis/cron-claims.js")).redisCronClaims(multi.redis) : undefined,
  });
  // ... and every instance schedules every job: a job created or changed on one is read again on all.
  if (sharedKeyChanges)
    await sharedKeyChanges.listen((key) => {
      const id = /^cron:jobs:([^:]+)\.yaml$/.exec(key)?.[1];
      if (id)
        cron
          .refresh(id)
          .catch((error: Error) =>
            logger.warn({ msg: "cron: job not refreshed", job_id: id, error: error.message }),
          );
    });
  const heartbeat = new HeartbeatMonitor({
    config: gatewayConfig,
    queue: queue.queue,
    scope: scopes.global(),
    events,
    sessions,
    logger,
  });
  // OpenVesper's background tasks run through the queue; live runs per session for /health and /lanes.
  const backgroundTasks = new BackgroundTaskScheduler({
    repository: new BackgroundTaskRepository(scopes.global()),
    queue: queue.queue,
    sessions,
    scope: scopes.global(),
    events,
    logger,
    defaultAgent: () => new SettingsRepository().defaultAgent(scopes.global()),
  });
  await backgroundTasks.load();
  // Commitments with a due time wake their agent through the queue; re-armed from storage at start.
  const commitments = new CommitmentScheduler({
    repository: new CommitmentRepository(scopes.global()),
    queue: queue.queue,
    events,
    logger,
  });
  await commitments.load();
  const activity = new ActivityTracker({
    events,
    runs,
    queue: queue.queue,
    concurrency: async () => (gatewayConfig.peek() ?? (await gatewayConfig.get())).queue.concurrency,
    approvals: () => governance.broker.pendingCount(),
  });
  activity.start();
  // Messaging channels of channels.yaml: answers of runs that name a channel go out through its outbox.
  const channels = createChannelRuntime({
    scope: scopes.global(),
    home,
    env,
    logger,
    events,
    queue: queue.queue,
    sessions,
  });
  // Group chats: members take turns through the run manager; their events come off the bus.
  const groupChats = createGroupChats({ scopes, paths: nodePaths, runs, events, gatewayConfig, logger });
  // OAuth sign-ins and the encrypted token store (its key lives outside the data folder).
  const oauth = createOAuthRuntime({
    scope: scopes.global(),
    env,
    home,
    dataRoot: globalRoot,
    logger,
    now: options.oauthNow,
  });
  const app = createApp({
    runtime: "node",
    version: VERSION,
    scopes,
    env,
    paths: nodePaths,
    logger,
    executors,
    nativeSessions: createNativeSessionStore({ home, env }),
    gatewayConfig,
    // Several instances: stopping a session's run reaches the instance where it runs.
    runs: multi
      ? (await (await import("../redis/remote-stops.js")).redisRemoteStops(multi, logger)).wrap(runs)
      : runs,
    runRegistry,
    queue: queue.queue,
    cron,
    heartbeat,
    sessions,
    history,
    upgradeWebSocket,
    remoteAddress: nodeRemoteAddress,
    terminals,
    events,
    sseHeartbeatMs: options.sseHeartbeatMs,
    providerChecks: createProviderChecker({ logger }),
    telemetry: accounting.telemetry,
    startup: () => startup,
    startedAt,
    backgroundTasks,
    activity,
    delegation,
    channels: channels.service,
    groupChats,
    mcpConfig: createMcpConfigService({
      home,
      env,
      globalScope: scopes.global(),
      family: (id) => processes.family("run", id),
    }),
    approvals: governance.broker,
    audit,
    memory,
    // Several instances: Idempotency-Keys are kept in Redis, so a retry on another instance finds its run.
    sharedKeys: multi ? (await import("../redis/shared-keys.js")).redisSharedKeys(multi.redis) : undefined,
    // ... and a wrong key on one instance counts against the address on every instance.
    runOwners: runOwnership?.owners,
    terminalOwners: terminalOwnership?.owners,
    sharedFailures: multi
      ? (await import("../redis/shared-failures.js")).redisSharedFailures(
          multi.redis,
          multi.instanceId,
          logger,
        )
      : undefined,
    commitments,
    oauth,
    staticAssets: nodeStaticAssets(),
    diagnostics: new GatewayDiagnostics({
      version: VERSION,
      env,
      home,
      globalRoot,
      scope: scopes.global(),
      gatewayConfig,
      executors,
      queue: queue.queue,
      cron,
      logs: logRing,
      startedAt: Date.now(),
    }),
  });
  // Inbound channel messages go through the stored access rules, pairing and channel routes.
  if (app.services.channelGate) channels.setGate(app.services.channelGate);

  // The handlers refuse frames over 1 MiB with an error frame; a frame this large is cut off (close 1009)
  // before it is buffered whole (ws's own default allows 100 MiB).
  const wss = new LazyWebSocketServer({ maxPayload: MAX_WEBSOCKET_FRAME_BYTES });
  // The app takes over the front's server (requests held while loading first); node-server sets up its
  // WebSocket upgrades on it. Liveness probes are answered ahead of the adapter (health-probes.ts).
  const server = createAdaptorServer({
    fetch: answerRefusedUpgradesInFull(app.fetch),
    hostname: host,
    websocket: { server: wss.asServer() },
    createServer: ((_options: ServerOptions, listener: RequestListener) =>
      front.adopt(answerHealthProbes(app.services, listener))) as typeof createHttpServer,
  });
  serveUpgradesOnWebSocketRoutesOnly(server as HttpServer, WEBSOCKET_ROUTES, () => wss.ready());
  answerHandshakeErrorsWithEnvelope(wss);
  front.release();
  const address = front.address;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  delegation.listening(`http://${loopbackUrlHost(address)}:${address.port}`);
  logger.info({ msg: "listening", url: `http://${urlHost}:${address.port}`, home, global_root: globalRoot });
  // Where the other instances reach this one (VIBEN_INSTANCE_URL behind NAT or a container network).
  await multi?.listening(
    env.VIBEN_INSTANCE_URL?.trim() || `http://${loopbackUrlHost(address)}:${address.port}`,
  );
  await queue.start();
  // Jobs load in the background (10,000 take seconds); /api/cron requests wait for them, nothing else does.
  void cron.start().then(
    (report) => logger.info({ msg: "cron jobs scheduled", ...report }),
    (error: unknown) => logger.error({ msg: "cron failed to start", error: (error as Error).message }),
  );
  await heartbeat.start();
  await backgroundTasks.start();
  await commitments.start();
  // Refresh timers for stored OAuth tokens; a broken token file is reported, it never stops the gateway.
  void oauth
    .armStoredTokens()
    .catch((error: Error) => logger.warn({ msg: "oauth timers not armed", error: error.message }));
  // A channel that cannot connect is reported in /api/channels; it never stops the gateway.
  await channels
    .start()
    .catch((error: Error) => logger.error({ msg: "channels failed to start", error: error.message }));

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    app,
    events,
    close() {
      closing ??= (async () => {
        // Nothing new is fired while the rest shuts down.
        await Promise.all([cron.stop(), heartbeat.stop(), backgroundTasks.stop(), commitments.stop()]);
        oauth.stop();
        // The queue first: it stops taking jobs and records its running ones as interrupted.
        await queue.stop();
        hookCallbacks.detach();
        await hookCallbacks.settled();
        await channels.stop();
        // Every run stops (and says so on the bus) before the streams end and connections are cut;
        // every PTY is hung up and killed with its processes meanwhile (exit frames reach attached clients).
        await Promise.all([runs.shutdown(), terminalManager.shutdown()]);
        // Anything of this gateway's that a run or terminal did not take with it (a straggler).
        const stragglers = await processes.killAll();
        if (stragglers.length > 0)
          logger.warn({ msg: "killed processes left at shutdown", processes: describe(stragglers) });
        await accounting.ledger.flush();
        await runRegistry.flush();
        // Ends SSE streams cleanly (clients reconnect with Last-Event-ID) before connections are cut.
        activity.stop();
        governance.guardian.stop();
        events.close("gateway shutting down");
        await busAudit.drained();
        for (const client of wss.clients) client.terminate();
        wss.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          if ("closeAllConnections" in server) server.closeAllConnections();
        });
        // Everything audited (the last requests, the runs stopped above) is on disk before storage goes.
        await audit.flush();
        // Cron records the outcomes the queue reported while stopping, then lets go of storage.
        await cron.close();
        await scopes.dispose();
        await redisEvents?.stop();
        await multi?.close();
        await lock.release();
      })();
      return closing;
    },
  };
}

/** How the gateway's own runs reach it: a wildcard bind is reached on loopback. */
function loopbackUrlHost(address: AddressInfo): string {
  if (address.address === "0.0.0.0") return "127.0.0.1";
  if (address.address === "::") return "[::1]";
  return address.family === "IPv6" ? `[${address.address}]` : address.address;
}

function describe(killed: Awaited<ReturnType<GatewayProcesses["killAll"]>>) {
  return killed.map((p) => ({ pid: p.pid, name: p.name, owner: cookieOwner(p.cookie) }));
}

/**
 * Cookies for this gateway's processes, after killing what a gateway on the same data folder left running
 * when it was SIGKILLed or crashed (its runs' CLIs and their tools, its terminals' shells). Done before
 * anything else starts, so nothing of the dead gateway still works on the files this one is about to use.
 */
async function killOrphans(globalRoot: string, logger: Logger): Promise<GatewayProcesses> {
  const processes = await GatewayProcesses.open(globalRoot);
  try {
    const killed = await processes.killOrphans();
    if (killed.length > 0) {
      logger.warn({
        msg: "killed processes an earlier gateway on this data folder left running",
        count: killed.length,
        processes: describe(killed),
      });
    }
  } catch (error) {
    logger.warn({
      msg: "could not look for processes left by an earlier gateway",
      error: (error as Error).message,
    });
  }
  return processes;
}

/** The Redis-shared queue's constructor, loaded only in multi-instance mode. */
async function sharedQueueFactory(multi: import("../redis/multi-instance.js").MultiInstance) {
  const { SharedRunQueue } = await import("../redis/shared-queue.js");
  return (parts: QueueParts) => new SharedRunQueue({ ...parts, multi });
}
