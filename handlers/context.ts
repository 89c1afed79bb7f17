import type { Context } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import type { AgentRepository } from "../storage/agents.js";
import type { GatewayConfig, GatewayConfigSource, Role } from "../storage/gateway-config.js";
import type { HistoryRepository } from "../storage/history.js";
import type { Scopes } from "../storage/scopes.js";
import type { SessionRepository } from "../storage/sessions.js";
import type { SettingsRepository } from "../storage/settings.js";
import type { TemplateRepository } from "../storage/templates.js";
import type { Clock, EventBus, ExecutorCatalog, Logger, PathProbe, RunService } from "./capabilities.js";

/** What a runtime hands to createApp. */
export interface GatewayDeps {
  runtime: "node" | "workerd";
  version: string;
  scopes: Scopes;
  env: Readonly<Record<string, string | undefined>>;
  paths: PathProbe;
  logger: Logger;
  clock?: Clock;
  executors?: ExecutorCatalog;
  /** Fan-out of run and system events (SSE /api/events); absent where the runtime has none. */
  events?: EventBus;
  /** Interval of `: ping` comments on idle SSE streams (default 15 s). */
  sseHeartbeatMs?: number;
  runs?: RunService;
  sessions?: SessionRepository;
  history?: HistoryRepository;
  /** gateway.yaml as the runtime reads it (created from scopes and env when absent). */
  gatewayConfig?: GatewayConfigSource;
  /** The runtime's WebSocket upgrade helper (Node); /ws answers 501 without it. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** The client's IP address, where the runtime knows it. */
  remoteAddress?: (c: Context) => string | undefined;
}

/** Everything handlers reach through `c.get("services")`. */
export interface Services {
  runtime: GatewayDeps["runtime"];
  version: string;
  startedAt: number;
  scopes: Scopes;
  env: GatewayDeps["env"];
  paths: PathProbe;
  logger: Logger;
  clock: Clock;
  executors?: ExecutorCatalog;
  events?: EventBus;
  sseHeartbeatMs?: number;
  runs?: RunService;
  sessions?: SessionRepository;
  history?: HistoryRepository;
  upgradeWebSocket?: UpgradeWebSocket;
  remoteAddress?: GatewayDeps["remoteAddress"];
  gatewayConfig: GatewayConfigSource;
  agents: AgentRepository;
  templates: TemplateRepository;
  settings: SettingsRepository;
}

export interface AppEnv {
  Variables: {
    services: Services;
    requestId: string;
    /** gateway.yaml as in force for this request. */
    gatewayConfig: GatewayConfig;
    /** The caller's role, set by the security middleware. */
    role: Role;
    /** The API key name used, if any (logged instead of the key). */
    keyName?: string;
  };
}
