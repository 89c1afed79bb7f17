/**
 * Every route group of the gateway in matching order, loaded at the first request that needs one
 * (handlers/index.ts dispatches here through handlers/lib/lazy-routes.ts): constructing ~350 routes'
 * schemas is most of start-up, so /health answers before any of it is built. To add a group, add its
 * `.route(prefix, router)` line below where it belongs in matching order.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { createAccessRouter } from "./access/access.js";
import { createChannelRoutesRouter } from "./access/channel-routes.js";
import { createPairingRouter } from "./access/pairing.js";
import { acpWsRouter } from "./acp/acp-ws.js";
import { agentDefaultRouter } from "./agents/agent-default.js";
import { agentPromoteRouter } from "./agents/agent-promote.js";
import { agentTemplatesRouter } from "./agents/agent-templates.js";
import { agentsRouter } from "./agents/agents.js";
import { createApprovalsRouter } from "./approvals/approvals.js";
import { createAuditRouter } from "./audit/audit.js";
import { backgroundTasksRouter } from "./background-tasks/background-tasks.js";
import { tasksOpenVesperRouter } from "./background-tasks/tasks-openvesper.js";
import { channelIntakeRouter } from "./channels/channel-intake.js";
import { channelsRouter } from "./channels/channels.js";
import { chatListRouter } from "./chat-list/chat-list.js";
import { createCommitmentsRouter } from "./commitments/commitments.js";
import { apiKeysRouter } from "./config/api-keys.js";
import { configRouter } from "./config/config.js";
import { whoamiRouter } from "./config/whoami.js";
import type { AppEnv, Services } from "./context.js";
import { cronRouter } from "./cron/cron.js";
import { agentContextRouter, apiAgentContextRouter } from "./delegation/agent-context.js";
import { agentDelegateRouter, delegationsRouter } from "./delegation/delegate.js";
import { agentHandoffRouter, handoffsRouter } from "./delegation/handoff.js";
import { mcpRouter } from "./delegation/mcp.js";
import { agentRoutingRouter, apiRoutingRouter } from "./delegation/routing.js";
import { agentSubagentsRouter, parallelDelegationsRouter } from "./delegation/subagents.js";
import { createDiagnosticsRouter } from "./diagnostics/diagnostics.js";
import { edgeInboxRouter } from "./edge-inbox/edge-inbox.js";
import { handleError, notFoundHandler } from "./errors.js";
import { eventsRouter } from "./events/events.js";
import { wsRouter } from "./events/ws.js";
import { executorSessionsRouter } from "./executors/executor-sessions.js";
import { executorsRouter } from "./executors/executors.js";
import { groupChatSessionsRouter } from "./group-chats/group-chat-sessions.js";
import { groupChatWsRouter } from "./group-chats/group-chat-ws.js";
import { groupChatsRouter } from "./group-chats/group-chats.js";
import { heartbeatRouter } from "./heartbeat/heartbeat.js";
import { heartbeatOpenVesperRouter } from "./heartbeat/heartbeat-openvesper.js";
import { hooksRouter } from "./hooks/hooks.js";
import { validationHook } from "./lib/app-factory.js";
import { receiveHandoff } from "./lib/lazy-routes.js";
import { ORIGINAL_AGENTS_PREFIX, undocumentedAlias } from "./lib/route-alias.js";
import { mcpManagementRouter } from "./mcp/mcp.js";
import { createMemoryRouter } from "./memory/memory.js";
import { createOAuthCallbackRouter, createOAuthRouter } from "./oauth/oauth.js";
import { availableModelsRouter, defaultModelRouter } from "./providers/default-model.js";
import { modelDefaultRouter } from "./providers/model-default.js";
import { modelSwitchesRouter, providerModelSwitchesRouter } from "./providers/model-switches.js";
import { modelRouter, modelsRouter } from "./providers/models.js";
import { providerDefaultRouter } from "./providers/provider-default.js";
import { providerKeyStatusRouter } from "./providers/provider-key-status.js";
import { providerModelsRouter } from "./providers/provider-models.js";
import { providerSwitchesRouter } from "./providers/provider-switches.js";
import { providersRouter } from "./providers/providers.js";
import { createLanesRouter } from "./queue/lanes-openvesper.js";
import { queueRouter } from "./queue/queue.js";
import { createRemoteInstructionsRouter } from "./remote/remote-instructions.js";
import { agentRunRouter } from "./runs/agent-run.js";
import { agentRunWsRouter } from "./runs/agent-run-ws.js";
import { agentRunsRouter } from "./runs/agent-runs.js";
import { chatRouter } from "./runs/chat.js";
import { openVesperAgentRouter } from "./runs/openvesper-agent.js";
import { openVesperRunsRouter } from "./runs/openvesper-runs.js";
import { runsByIdRouter } from "./runs/runs-by-id.js";
import { agentHistoryRouter } from "./sessions/agent-history.js";
import { agentSessionMessagesRouter } from "./sessions/agent-session-messages.js";
import { agentSessionsRouter } from "./sessions/agent-sessions.js";
import { openVesperSessionsRouter } from "./sessions/openvesper-sessions.js";
import { sessionActionsRouter } from "./sessions/session-actions.js";
import { sessionChatRouter } from "./sessions/session-chat.js";
import { sessionsRouter } from "./sessions/sessions.js";
import { createStandingOrdersRouter } from "./standing-orders/standing-orders.js";
import { mountDocs } from "./system/docs.js";
import { createHealthRouter } from "./system/health.js";
import { kanbanRouter } from "./tasks/kanban.js";
import { tasksRouter } from "./tasks/tasks.js";
import { budgetRouter } from "./telemetry/budget.js";
import { dashboardRouter } from "./telemetry/dashboard.js";
import { telemetryRouter } from "./telemetry/telemetry.js";
import { terminalVibenRouter } from "./terminals/terminal-viben.js";
import { terminalWsRouter } from "./terminals/terminal-ws.js";
import { terminalsRouter } from "./terminals/terminals.js";
import { dashboardUiRouter } from "./web/dashboard-ui.js";
import { WEBSOCKET_ROUTES } from "./websocket-routes.js";
import { workspacesRouter } from "./workspaces/workspaces.js";
import { workspacesOpenVesperRouter } from "./workspaces/workspaces-openvesper.js";

export function createRoutesApp(services: Services, version: string) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use(receiveHandoff);
  // Registered for the OpenAPI document in their former order; the outer app answers them first.
  app.route("/health", createHealthRouter(services));
  app.route("/api/health", createHealthRouter(services, "getApiHealth"));
  app.route("/mcp", mcpRouter);
  app.route("/api/channels", channelIntakeRouter);
  app.route("/oauth/callback", createOAuthCallbackRouter("root"));
  app.route("/api/oauth/callback", createOAuthCallbackRouter("api"));

  // The agent API's route groups, in matching order; /api/agents (the original Viben's newer spelling)
  // serves the same groups without a second entry in the OpenAPI document.
  const agentRouters = [
    agentDefaultRouter,
    agentTemplatesRouter,
    agentsRouter,
    agentPromoteRouter,
    agentRunsRouter,
    agentSessionsRouter,
    agentSessionMessagesRouter,
    agentHistoryRouter,
  ] as const;
  app.route(ORIGINAL_AGENTS_PREFIX, undocumentedAlias(agentRouters));
  const routes = app
    .route("/api/agent", agentDefaultRouter)
    .route("/api/agent", agentTemplatesRouter)
    .route("/api/agent", agentRunRouter)
    .route("/api/agent", agentsRouter)
    .route("/api/agent", agentPromoteRouter)
    .route("/api/agent", agentRunsRouter)
    .route("/api/agent", agentSessionsRouter)
    .route("/api/agent", agentSessionMessagesRouter)
    .route("/api/agent", agentHistoryRouter)
    .route("/api/sessions", sessionsRouter)
    .route("/api/sessions", sessionChatRouter)
    .route("/api/sessions", sessionActionsRouter)
    .route("/sessions", openVesperSessionsRouter)
    .route("/api/chat", chatRouter)
    .route("/api/executors", executorsRouter)
    .route("/api/executors", executorSessionsRouter)
    .route("/api/models", modelsRouter)
    // The fixed paths (`available`, `default`) before `{id}`, which would take them.
    .route("/api/models", availableModelsRouter)
    .route("/api/models", modelDefaultRouter)
    .route("/api/models", modelRouter)
    .route("/api/models", modelSwitchesRouter)
    .route("/api/model", defaultModelRouter)
    .route("/api/providers", providerDefaultRouter)
    .route("/api/providers", providerKeyStatusRouter)
    .route("/api/providers", providersRouter)
    .route("/api/providers", providerSwitchesRouter)
    .route("/api/providers", providerModelsRouter)
    .route("/api/providers", providerModelSwitchesRouter)
    .route("/api/queue", queueRouter)
    .route("/api/cron", cronRouter)
    .route("/api/hooks", hooksRouter)
    .route("/api/channels", channelsRouter)
    .route("/api/edge/inbox", edgeInboxRouter)
    .route("/api/heartbeat", heartbeatRouter)
    .route("/api/tasks", tasksRouter)
    .route("/api/kanban", kanbanRouter)
    .route("/api/events", eventsRouter)
    .route("/api/telemetry", telemetryRouter)
    .route("/api", dashboardRouter)
    .route("/api/runs", runsByIdRouter)
    // OpenVesper's run routes at its literal paths (no /api prefix, camelCase).
    .route("/agent", openVesperAgentRouter)
    .route("/agent", openVesperRunsRouter)
    .route("/api/budget", budgetRouter)
    .route(WEBSOCKET_ROUTES[0], wsRouter)
    .route("/api/terminals", terminalsRouter)
    .route(WEBSOCKET_ROUTES[1], terminalWsRouter)
    .route(WEBSOCKET_ROUTES[2], acpWsRouter)
    .route(WEBSOCKET_ROUTES[3], terminalVibenRouter)
    .route(WEBSOCKET_ROUTES[4], agentRunWsRouter)
    // OpenVesper's heartbeat, lanes and background tasks at its literal paths, and their /api homes.
    .route("/heartbeat", heartbeatOpenVesperRouter)
    .route("/lanes", createLanesRouter("getOpenVesperLanes"))
    .route("/api/lanes", createLanesRouter("getSessionLanes"))
    .route("/tasks", tasksOpenVesperRouter)
    .route("/api/background-tasks", backgroundTasksRouter)
    // Channel routes, access rules and pairing: ours under /api, OpenVesper's at its literal root paths.
    .route("/api/channel-routes", createChannelRoutesRouter("api"))
    .route("/channel-routes", createChannelRoutesRouter("root"))
    .route("/api/access", createAccessRouter("api"))
    .route("/access", createAccessRouter("root"))
    .route("/api/pairing", createPairingRouter("api"))
    .route("/pairing", createPairingRouter("root"))
    // Routing and delegation: OpenVesper's literal paths and our /api homes.
    .route("/agent", agentRoutingRouter)
    .route("/agent", agentDelegateRouter)
    .route("/agent", agentHandoffRouter)
    .route("/agent", agentSubagentsRouter)
    .route("/agent", agentContextRouter)
    .route("/api/routing", apiRoutingRouter)
    .route("/api/delegations", parallelDelegationsRouter)
    .route("/api/delegations", delegationsRouter)
    .route("/api/handoffs", handoffsRouter)
    .route("/api/agent-context", apiAgentContextRouter)
    // Group chats: several agents and the user in one conversation, and each session's WebSocket.
    .route(WEBSOCKET_ROUTES[5], groupChatWsRouter)
    .route("/api/group-chats", groupChatsRouter)
    .route("/api/group-chats", groupChatSessionsRouter)
    // The chat list over every kind of conversation; the workspace registry (ours and OpenVesper's paths).
    .route("/api/chat-list", chatListRouter)
    .route("/api/workspaces", workspacesRouter)
    .route("/workspaces", workspacesOpenVesperRouter)
    .route("/api/mcp", mcpManagementRouter)
    // Approvals: OpenVesper's literal paths and our /api home.
    .route("/approvals", createApprovalsRouter("root"))
    .route("/api/approvals", createApprovalsRouter("api"))
    // The audit trail: OpenVesper's literal paths and our /api home.
    .route("/api/audit", createAuditRouter("api"))
    .route("/audit", createAuditRouter("root"))
    // gateway.yaml and API keys over the API (Ryvos's /api/config; keys stored as hashes).
    .route("/api/config", configRouter)
    .route("/api/keys", apiKeysRouter)
    .route("/api/whoami", whoamiRouter)
    // Standing orders: OpenVesper's literal path and our /api home.
    .route("/standing-orders", createStandingOrdersRouter("root"))
    .route("/api/standing-orders", createStandingOrdersRouter("api"))
    // Agents' memory: OpenVesper's literal path and our /api home.
    .route("/memory", createMemoryRouter("root"))
    .route("/api/memory", createMemoryRouter("api"))
    // Commitments: OpenVesper's literal path and our /api home.
    .route("/commitments", createCommitmentsRouter("root"))
    .route("/api/commitments", createCommitmentsRouter("api"))
    // OAuth sign-ins and tokens: OpenVesper's literal /oauth and our /api home.
    .route("/oauth", createOAuthRouter("root"))
    .route("/api/oauth", createOAuthRouter("api"))
    // Instructions a remote controller queues to agents: OpenVesper's literal path and our /api home.
    .route("/remote/instructions", createRemoteInstructionsRouter("root"))
    .route("/api/remote/instructions", createRemoteInstructionsRouter("api"))
    // Diagnostics: OpenVesper's literal /diag and our /api home.
    .route("/diag", createDiagnosticsRouter("root"))
    .route("/api/diag", createDiagnosticsRouter("api"));

  mountDocs(app, version);
  // The web dashboard's page and files (not part of the API document).
  app.route("/", dashboardUiRouter);
  app.onError(handleError);
  app.notFound(notFoundHandler);
  return routes;
}

export type RoutesApp = ReturnType<typeof createRoutesApp>;
