import type { Context } from "hono";
import type { AgentRepository } from "../storage/agents.js";
import type { GatewayConfig, GatewayConfigSource, Role } from "../storage/gateway-config.js";
import type { Scopes } from "../storage/scopes.js";
import type { SettingsRepository } from "../storage/settings.js";
import type { TemplateRepository } from "../storage/templates.js";
import type { Clock, ExecutorCatalog, Logger, PathProbe } from "./capabilities.js";

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
