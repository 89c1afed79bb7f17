import { OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { AgentRepository } from "../storage/agents.js";
import { GatewayConfigSource } from "../storage/gateway-config.js";
import { ModelPreferencesRepository } from "../storage/model-preferences.js";
import { ProviderRepository } from "../storage/providers.js";
import { SettingsRepository } from "../storage/settings.js";
import { TemplateRepository } from "../storage/templates.js";
import { StoredChannelGate } from "./access/channel-gate.js";
import { channelIntakeRouter } from "./channels/channel-intake.js";
import type { AppEnv, GatewayDeps, Services } from "./context.js";
import { mcpRouter } from "./delegation/mcp.js";
import { handleError, notFoundHandler } from "./errors.js";
import { validationHook } from "./lib/app-factory.js";
import { lazyRoutes } from "./lib/lazy-routes.js";
import { auditRequests } from "./middleware/audit-requests.js";
import { bodyLimit } from "./middleware/body-limit.js";
import { limiterFor } from "./middleware/failed-attempts.js";
import { pathEncoding } from "./middleware/path-encoding.js";
import { assignRequestId, requestLog } from "./middleware/request-log.js";
import { requestMetrics } from "./middleware/request-metrics.js";
import { corsPolicy, loadGatewayConfig, security } from "./middleware/security.js";
import { createOAuthCallbackRouter } from "./oauth/oauth.js";
import type { RoutesApp } from "./routes.js";
import { createHealthRouter, isHealthPath } from "./system/health.js";

export type { GatewayDeps, Services } from "./context.js";

export { isHealthPath, readyHealthBody } from "./system/health.js";
export { WEBSOCKET_ROUTES } from "./websocket-routes.js";

export function createServices(deps: GatewayDeps): Services {
  const clock = deps.clock ?? { now: () => new Date() };
  const now = () => clock.now();
  const settings = new SettingsRepository();
  return {
    runtime: deps.runtime,
    version: deps.version,
    startedAt: deps.startedAt ?? clock.now().getTime(),
    scopes: deps.scopes,
    env: deps.env,
    paths: deps.paths,
    logger: deps.logger,
    clock,
    executors: deps.executors,
    nativeSessions: deps.nativeSessions,
    events: deps.events,
    sseHeartbeatMs: deps.sseHeartbeatMs,
    runs: deps.runs,
    runRegistry: deps.runRegistry,
    queue: deps.queue,
    cron: deps.cron,
    heartbeat: deps.heartbeat,
    sessions: deps.sessions,
    history: deps.history,
    upgradeWebSocket: deps.upgradeWebSocket,
    remoteAddress: deps.remoteAddress,
    terminals: deps.terminals,
    telemetry: deps.telemetry,
    providerChecks: deps.providerChecks,
    edgeInbox: deps.edgeInbox,
    startup: deps.startup,
    backgroundTasks: deps.backgroundTasks,
    activity: deps.activity,
    delegation: deps.delegation,
    channels: deps.channels,
    groupChats: deps.groupChats,
    mcpConfig: deps.mcpConfig,
    approvals: deps.approvals,
    audit: deps.audit,
    memory: deps.memory,
    sharedKeys: deps.sharedKeys,
    sharedFailures: deps.sharedFailures,
    runOwners: deps.runOwners,
    terminalOwners: deps.terminalOwners,
    commitments: deps.commitments,
    oauth: deps.oauth,
    diagnostics: deps.diagnostics,
    staticAssets: deps.staticAssets,
    gatewayConfig:
      deps.gatewayConfig ??
      new GatewayConfigSource(deps.scopes.global(), deps.env, (message) =>
        deps.logger.warn({ msg: "gateway config", detail: message }),
      ),
    agents: new AgentRepository(now),
    templates: new TemplateRepository(deps.scopes.global(), now),
    settings,
    providers: new ProviderRepository(deps.scopes.global(), now),
    modelPreferences: new ModelPreferencesRepository(),
    channelGate: deps.channelGate ?? new StoredChannelGate({ scopes: deps.scopes, clock, settings }),
  };
}

/**
 * Composes the gateway: middleware (request log, CORS, body limit, security), one sub-app per route group,
 * the OpenAPI document and the JSON error envelope. The same app runs on Node and on workerd.
 */
export function createApp(deps: GatewayDeps) {
  const services = createServices(deps);
  // Failures other instances count must reach this one before its first request.
  if (services.sharedFailures) limiterFor(services);
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  // /health answers before everything else: liveness probes stay out of the access log and cost little.
  const healthRouter = createHealthRouter(services);
  app.route("/health", healthRouter);
  app.route("/api/health", createHealthRouter(services, "getApiHealth"));
  app.use(
    createMiddleware<AppEnv>(async (c, next) => {
      c.set("services", services);
      await next();
    }),
  );
  // Sets X-Request-Id before any handler runs: changing headers of a finished response forces a costly copy.
  app.use(assignRequestId);
  app.use(requestLog);
  app.use(requestMetrics);
  app.use(loadGatewayConfig);
  app.use(corsPolicy);
  // Before authentication: an oversize body is refused without reading it, whoever sends it.
  app.use(bodyLimit);
  // Ahead of the API-key check: the MCP endpoint's credential is a run's own token (handlers/delegation/mcp.ts).
  app.route("/mcp", mcpRouter);
  // Platforms authenticate by their request signatures, not gateway keys: intake is mounted before security.
  app.route("/api/channels", channelIntakeRouter);
  // Sees the outcome of every request behind it, refused credentials included (handlers/middleware/audit-requests.ts).
  app.use(auditRequests);
  // The provider redirects a browser, which carries no API key: the one-time OAuth state authenticates it.
  app.route("/oauth/callback", createOAuthCallbackRouter("root"));
  app.route("/api/oauth/callback", createOAuthCallbackRouter("api"));
  app.use(security);
  app.use(pathEncoding);

  // Every route group, imported at the first request past the middleware (handlers/routes.ts).
  app.use(
    lazyRoutes(services, async () => (await import("./routes.js")).createRoutesApp(services, deps.version)),
  );
  app.onError(handleError);
  app.notFound(notFoundHandler);
  // Liveness probes skip the main router too (its table holds every route and middleware): a tiny app
  // with the same /health route answers them. The main app keeps the route for the OpenAPI document.
  const probeApp = new OpenAPIHono<AppEnv>().route("/health", healthRouter);
  const mainFetch = app.fetch;
  app.fetch = (request, env, executionCtx) =>
    isHealthProbe(request)
      ? probeApp.fetch(request, env, executionCtx)
      : mainFetch(request, env, executionCtx);
  // The typed client's view: the routes of the lazily loaded table, derived by a type-only import.
  return Object.assign(app, { services }) as unknown as RoutesApp & { services: Services };
}

export type GatewayApp = ReturnType<typeof createApp>;

/** `GET /health` (with or without a query), and its HEAD. */
function isHealthProbe(request: Request): boolean {
  return (request.method === "GET" || request.method === "HEAD") && isHealthPath(request.url);
}
