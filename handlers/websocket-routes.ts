// Kept apart from handlers/index.ts so the lazily loaded route table (handlers/routes.ts) imports it without a cycle.
/** Routes that answer WebSocket upgrades (the Node runtime hands upgrades of other paths to plain routing). */
export const WEBSOCKET_ROUTES = [
  "/ws",
  "/terminal/ws",
  "/ws/agent/acp",
  "/ws/terminal",
  "/ws/agent/run",
  "/api/group-chats/:id/sessions/:sid/ws",
] as const;
