import type { Context } from "hono";
import type { EventBus } from "../../handlers/capabilities/events.js";
import type { ExecutorCatalog, ExecutorInfo } from "../../handlers/capabilities/executors.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { ProviderChecker } from "../../handlers/capabilities/providers.js";
import type { RunQueue } from "../../handlers/capabilities/queue.js";
import type { RunService } from "../../handlers/capabilities/runs.js";
import type { GatewayStartup } from "../../handlers/capabilities/startup.js";
import type { Telemetry } from "../../handlers/capabilities/telemetry.js";
import { createApp, type GatewayDeps } from "../../handlers/index.js";
import { memoryBackends } from "../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../storage/drivers/memory-append-log.js";
import { EXECUTOR_IDS, type ExecutorId } from "../../storage/executor-types.js";
import { HistoryRepository } from "../../storage/history.js";
import { Scopes } from "../../storage/scopes.js";
import { SessionRepository } from "../../storage/sessions.js";

export const HOME = "/home/tester";
/** A workspace inside HOME, which is where workspaces may be by default (workdir_roots). */
export const PROJECT = `${HOME}/project`;

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** How a Node gateway was started, as /health reports it to local callers (the `startup` capability). */
export const STARTUP: GatewayStartup = {
  host: "127.0.0.1",
  port: 18790,
  started_at: "2026-01-01T00:00:00.000Z",
  pid: 42,
  node_version: "v20.0.0",
  platform: "linux",
  arch: "x64",
  config_dir: "/home/u/.viben",
  state_dir: "/home/u/.viben",
  command: "node runtime/node.ts",
};

export function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger: Logger = {
    info: (f) => lines.push({ level: "info", ...f }),
    warn: (f) => lines.push({ level: "warn", ...f }),
    error: (f) => lines.push({ level: "error", ...f }),
  };
  return { logger, lines };
}

/** An executor catalog with fixed answers: CLAUDE_CODE logged in with a workspace config in PROJECT. */
export function fakeExecutors(installed: Partial<Record<ExecutorId, ExecutorInfo["availability"]>> = {}) {
  const availability: Partial<Record<ExecutorId, ExecutorInfo["availability"]>> = {
    CLAUDE_CODE: { type: "LOGIN_DETECTED", last_auth_timestamp: 1770741923 },
    ...installed,
  };
  const info = (id: ExecutorId, workspacePath: string): ExecutorInfo => {
    const hasWs = id === "CLAUDE_CODE" && workspacePath === PROJECT;
    return {
      id,
      name: id,
      availability: availability[id] ?? { type: "NOT_INSTALLED" },
      supports_mcp: true,
      capabilities: [],
      features: ["chat"],
      has_workspace_config: hasWs,
      workspace_path: hasWs ? workspacePath : HOME,
      workspace_config_path: hasWs ? `${workspacePath}/.claude` : undefined,
      global_config_path: `${HOME}/.${id.toLowerCase()}`,
      mcp_server_count: hasWs ? 3 : 0,
      skill_count: 0,
    };
  };
  const catalog: ExecutorCatalog = {
    list: async (ws) => EXECUTOR_IDS.map((id) => info(id, ws)),
    get: async (id, ws) => info(id, ws),
  };
  return catalog;
}

/** Trees the fake path probe reports as kernel filesystems, as the Node runtime does. */
const KERNEL_TREES = ["/proc", "/sys", "/dev"];

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  /** Directories that exist besides HOME, PROJECT and /tmp. */
  directories?: string[];
  /** Symbolic links: a directory and what it resolves to. */
  symlinks?: Record<string, string>;
  remoteAddress?: string;
  logger?: Logger;
  now?: () => Date;
  /** An event bus for /api/events (absent: the route answers 501, as on Workers). */
  events?: EventBus;
  sseHeartbeatMs?: number;
  /** Runs (a fake RunService) and the run queue, for /api/queue, /api/tasks starts and spawns. */
  runs?: RunService;
  queue?: RunQueue;
  /** Provider checks for POST /api/providers/{id}/test and /api/models (absent: 501, as on Workers). */
  providerChecks?: ProviderChecker;
  /** Telemetry for /api/telemetry and the request metrics (absent: 501, as on Workers). */
  telemetry?: Telemetry;
  /** More capabilities built over the app's storage (e.g. cron, heartbeat). */
  extend?: (storage: {
    scopes: Scopes;
    log: MemoryAppendLog;
    sessions: SessionRepository;
  }) => Partial<GatewayDeps>;
}

/** The real app over in-memory storage, for `app.request()` tests without a server. */
export function createTestApp(options: TestAppOptions = {}) {
  const directories = new Set([HOME, PROJECT, "/tmp", ...(options.directories ?? [])]);
  const scopes = new Scopes({ home: HOME, globalRoot: `${HOME}/.viben`, backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const history = new HistoryRepository({ log, now: options.now });
  const sessions = new SessionRepository({ scope: scopes.global(), log, history, now: options.now });
  const app = createApp({
    runtime: "node",
    version: "0.0.0-test",
    scopes,
    env: options.env ?? {},
    paths: {
      isDirectory: async (p) => directories.has(p),
      realpath: async (p) => options.symlinks?.[p] ?? p,
      specialFilesystem: async (p) => KERNEL_TREES.find((tree) => p === tree || p.startsWith(`${tree}/`)),
    },
    logger: options.logger ?? silentLogger,
    executors: fakeExecutors(),
    clock: options.now ? { now: options.now } : undefined,
    events: options.events,
    sseHeartbeatMs: options.sseHeartbeatMs,
    runs: options.runs,
    queue: options.queue,
    telemetry: options.telemetry,
    providerChecks: options.providerChecks,
    sessions,
    history,
    remoteAddress: (_c: Context) => options.remoteAddress ?? "127.0.0.1",
    ...options.extend?.({ scopes, log, sessions }),
  });
  return { app, scopes, sessions, history, log };
}

export async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export function jsonRequest(
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  };
}
