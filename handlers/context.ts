import type { Context } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import type { AgentRepository } from "../storage/agents.js";
import type { GatewayConfig, GatewayConfigSource, Role } from "../storage/gateway-config.js";
import type { HistoryRepository } from "../storage/history.js";
import type { ModelPreferencesRepository } from "../storage/model-preferences.js";
import type { ProviderRepository } from "../storage/providers.js";
import type { RunOwners, TerminalOwners } from "../storage/run-owners.js";
import type { Scopes } from "../storage/scopes.js";
import type { SessionRepository } from "../storage/sessions.js";
import type { SettingsRepository } from "../storage/settings.js";
import type { SharedFailures } from "../storage/shared-failures.js";
import type { SharedKeys } from "../storage/shared-keys.js";
import type { TemplateRepository } from "../storage/templates.js";
import type { GatewayActivity } from "./capabilities/activity.js";
import type { ApprovalService } from "./capabilities/approvals.js";
import type { AuditTrail } from "./capabilities/audit.js";
import type { BackgroundTaskService } from "./capabilities/background-tasks.js";
import type { ChannelGate } from "./capabilities/channel-gate.js";
import type { ChannelService } from "./capabilities/channels.js";
import type { Clock } from "./capabilities/clock.js";
import type { CommitmentService } from "./capabilities/commitments.js";
import type { CronService } from "./capabilities/cron.js";
import type { DelegationService } from "./capabilities/delegation.js";
import type { DiagnosticsService } from "./capabilities/diagnostics.js";
import type { EdgeInbox } from "./capabilities/edge-inbox.js";
import type { EventBus } from "./capabilities/events.js";
import type { ExecutorCatalog } from "./capabilities/executors.js";
import type { GroupChatService } from "./capabilities/group-chats.js";
import type { HeartbeatService } from "./capabilities/heartbeat.js";
import type { Logger } from "./capabilities/logger.js";
import type { McpConfigService } from "./capabilities/mcp-config.js";
import type { MemoryService } from "./capabilities/memory.js";
import type { NativeSessionStore } from "./capabilities/native-sessions.js";
import type { OAuthService } from "./capabilities/oauth.js";
import type { PathProbe } from "./capabilities/paths.js";
import type { ProviderChecker } from "./capabilities/providers.js";
import type { RunQueue } from "./capabilities/queue.js";
import type { RunRegistry } from "./capabilities/run-registry.js";
import type { RunService } from "./capabilities/runs.js";
import type { GatewayStartup } from "./capabilities/startup.js";
import type { StaticAssets } from "./capabilities/static-assets.js";
import type { Telemetry } from "./capabilities/telemetry.js";
import type { TerminalService } from "./capabilities/terminals.js";

/** What a runtime hands to createApp. */
export interface GatewayDeps {
  runtime: "node" | "workerd";
  version: string;
  scopes: Scopes;
  env: Readonly<Record<string, string | undefined>>;
  paths: PathProbe;
  logger: Logger;
  /** Epoch ms the gateway started at (default: when the services are created). */
  startedAt?: number;
  clock?: Clock;
  executors?: ExecutorCatalog;
  /** The executors' own session logs (Node); /api/executors/{id}/sessions answers 501 without it. */
  nativeSessions?: NativeSessionStore;
  /** Fan-out of run and system events (SSE /api/events); absent where the runtime has none. */
  events?: EventBus;
  /** Interval of `: ping` comments on idle SSE streams (default 15 s). */
  sseHeartbeatMs?: number;
  runs?: RunService;
  /** Every run by its id (Node); /agent/run/* and /api/runs/{id} answer 501 without it. */
  runRegistry?: RunRegistry;
  /** The durable run queue (Node); /api/queue and task starts answer 501 without it. */
  queue?: RunQueue;
  /** Scheduled runs (Node); /api/cron answers 501 without it. */
  cron?: CronService;
  /** The gateway.yaml heartbeat (Node); /api/heartbeat answers 501 without it. */
  heartbeat?: HeartbeatService;
  sessions?: SessionRepository;
  history?: HistoryRepository;
  /** gateway.yaml as the runtime reads it (created from scopes and env when absent). */
  gatewayConfig?: GatewayConfigSource;
  /** The runtime's WebSocket upgrade helper (Node); /ws answers 501 without it. */
  upgradeWebSocket?: UpgradeWebSocket;
  /** The client's IP address, where the runtime knows it. */
  remoteAddress?: (c: Context) => string | undefined;
  /** Interactive PTYs (Node); /terminal/ws and /api/terminals answer 501 without it. */
  terminals?: TerminalService;
  /** Request, run and spend figures (/api/telemetry answers 501 without it). */
  telemetry?: Telemetry;
  /** Provider connection checks and model listings (POST /api/providers/{id}/test answers 501 without it). */
  providerChecks?: ProviderChecker;
  /** Webhook wakes accepted at the edge (Workers); /api/edge/inbox answers 501 without it. */
  edgeInbox?: EdgeInbox;
  /** How the process was started (Node, once listening); /health adds it as `startup` for local callers. */
  startup?: () => GatewayStartup | undefined;
  /** OpenVesper's background tasks (Node); /tasks and /api/background-tasks answer 501 without it. */
  backgroundTasks?: BackgroundTaskService;
  /** Live runs per session (Node); /lanes answers 501 without it and /health leaves its counts out. */
  activity?: GatewayActivity;
  /** What an inbound channel message does (created over the stored rules when absent). */
  channelGate?: ChannelGate;
  /** Agent-to-agent delegation and its MCP endpoint (Node); /agent/delegate and /mcp answer 501 without it. */
  delegation?: DelegationService;
  /** Messaging channels from channels.yaml (Node); channel tests, intake and deliveries answer 501 without it. */
  channels?: ChannelService;
  /** Group chat orchestration (Node); posting messages, stop and the session WebSocket answer 501 without it. */
  groupChats?: GroupChatService;
  /** Executors' MCP config files and live MCP server tests (Node); those /api/mcp routes answer 501 without it. */
  mcpConfig?: McpConfigService;
  /** Tool calls waiting for a person (Node); /approvals/pending and decide answer 501 without it. */
  approvals?: ApprovalService;
  /** The audit trail (Node); /audit and /api/audit answer 501 without it and nothing is audited. */
  audit?: AuditTrail;
  /** Agents' memory with ranked search (Node); /memory answers 501 without it. */
  memory?: MemoryService;
  /** Records shared by every instance (multi-instance mode); Idempotency-Keys live there when present. */
  sharedKeys?: SharedKeys;
  /** Failed credential attempts of the other instances (multi-instance mode), counted here too. */
  sharedFailures?: SharedFailures;
  /** Where other instances' runs live (multi-instance mode): run-by-id requests are forwarded there. */
  runOwners?: RunOwners;
  /** Where other instances' terminals live (multi-instance mode): requests for them go (or point) there. */
  terminalOwners?: TerminalOwners;
  /** Commitments that wake their agent when due (Node); /commitments answers 501 without it. */
  commitments?: CommitmentService;
  /** OAuth sign-ins and the encrypted token store (Node); /oauth answers 501 without it. */
  oauth?: OAuthService;
  /** /diag and its export bundle (Node); they answer 501 without it. */
  diagnostics?: DiagnosticsService;
  /** Files served as they are: the offline API docs' Swagger UI (/docs/assets/…). */
  staticAssets?: StaticAssets;
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
  nativeSessions?: NativeSessionStore;
  events?: EventBus;
  sseHeartbeatMs?: number;
  runs?: RunService;
  runRegistry?: RunRegistry;
  queue?: RunQueue;
  cron?: CronService;
  heartbeat?: HeartbeatService;
  sessions?: SessionRepository;
  history?: HistoryRepository;
  upgradeWebSocket?: UpgradeWebSocket;
  remoteAddress?: GatewayDeps["remoteAddress"];
  terminals?: TerminalService;
  telemetry?: Telemetry;
  providerChecks?: ProviderChecker;
  edgeInbox?: EdgeInbox;
  startup?: GatewayDeps["startup"];
  backgroundTasks?: BackgroundTaskService;
  activity?: GatewayActivity;
  delegation?: DelegationService;
  channels?: ChannelService;
  groupChats?: GroupChatService;
  mcpConfig?: McpConfigService;
  approvals?: ApprovalService;
  audit?: AuditTrail;
  memory?: MemoryService;
  sharedKeys?: SharedKeys;
  sharedFailures?: SharedFailures;
  runOwners?: RunOwners;
  terminalOwners?: TerminalOwners;
  commitments?: CommitmentService;
  oauth?: OAuthService;
  diagnostics?: DiagnosticsService;
  staticAssets?: StaticAssets;
  gatewayConfig: GatewayConfigSource;
  agents: AgentRepository;
  templates: TemplateRepository;
  settings: SettingsRepository;
  providers: ProviderRepository;
  /** Default provider and model, and models switched off (global config.yaml). */
  modelPreferences: ModelPreferencesRepository;
  /** Access rules, pairing and channel routes for inbound channel messages (handlers/access/channel-gate.ts). */
  channelGate: ChannelGate;
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
    /** The hook token's name, on the webhook route (see middleware/hook-auth.ts). */
    hookToken?: string;
  };
}
