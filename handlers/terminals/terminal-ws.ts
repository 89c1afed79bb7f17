import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { WSEvents } from "hono/ws";
import type { AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { requireCapability } from "../lib/capability-guard.js";
import { defineRoute, RANK, requireRole } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { type ConnectionContext, TerminalConnection } from "./terminal-connection.js";
import { requireTerminals, terminalClient } from "./terminal-requests.js";

const TERMINAL_WS_DESCRIPTION = [
  "Text frames of JSON. The client sends",
  '`{"type":"init","cwd"?,"cols"?,"rows"?,"command"?}` to start a terminal (`cwd` inside the home directory or',
  'gateway.yaml `workdir_roots`), or `{"type":"init","terminal_id","cols"?,"rows"?}` to reattach to one of its own;',
  'then `{"type":"input","data"}` and `{"type":"resize","cols","rows"}`. The gateway answers',
  '`{"type":"ready","terminal_id","pid"}`, streams `{"type":"output","data","replay"?}` and ends with',
  '`{"type":"exit","code","signal","reason"?}`. A malformed frame gets `{"type":"error","code","message"}`.',
  "Closing the socket detaches; the terminal lives on for a grace period (see /api/terminals).",
].join(" ");

/** How /terminal/ws appears in the OpenAPI document (the handlers below serve it). */
const terminalWsRoute = defineRoute("operator", {
  method: "get",
  path: "/",
  operationId: "connectTerminal",
  tags: ["Terminals"],
  summary: "Open an interactive terminal over WebSocket (Node only)",
  description: TERMINAL_WS_DESCRIPTION,
  request: webSocketHandshake,
  responses: {
    ...switchingProtocols("Frames as described above."),
    ...errorResponses(426, 501),
  },
});

/** Refuses early what no terminal WebSocket can serve: no PTYs (501), no upgrade support, no upgrade (426). */
export const terminalUpgradeChecks = createMiddleware<AppEnv>(async (c, next) => {
  const services = c.get("services");
  await requireTerminals(services);
  requireCapability(services, "upgradeWebSocket");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
  }
  await next();
});

/** What a terminal connection needs from the request that opened it. */
export async function terminalConnectionContext(c: Context<AppEnv>): Promise<ConnectionContext> {
  const services = c.get("services");
  return {
    services,
    terminals: await requireTerminals(services),
    config: c.get("gatewayConfig"),
    client: terminalClient(c),
    isAdmin: RANK[c.get("role")] >= RANK.admin,
  };
}

/** /terminal/ws: interactive terminals over WebSocket (operator role; 501 where there are no PTYs). */
export const terminalWsRouter = createDocumentedRouter(terminalWsRoute).get(
  "/",
  terminalUpgradeChecks,
  requireRole("operator"),
  async (c, next) => {
    const ctx = await terminalConnectionContext(c);
    return c.get("services").upgradeWebSocket!((): WSEvents => {
      let connection: TerminalConnection | undefined;
      return {
        onOpen: (_event, ws) => {
          connection = new TerminalConnection(ctx, ws);
        },
        onMessage: (event, ws) => {
          connection ??= new TerminalConnection(ctx, ws);
          connection.onMessage(event.data);
        },
        onClose: () => connection?.close(),
        onError: () => connection?.close(),
      };
    })(c, next);
  },
);
