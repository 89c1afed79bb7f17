import { Hono } from "hono";
import type { WSEvents } from "hono/ws";
import type { AppEnv } from "./context.js";
import { ApiError } from "./errors.js";
import { RANK, requireRole } from "./lib/roles.js";
import { type ConnectionContext, TerminalConnection } from "./lib/terminal-connection.js";
import { requireTerminals, terminalClient } from "./lib/terminal-requests.js";

/** /terminal/ws: interactive terminals over WebSocket (operator role; 501 where there are no PTYs). */
export const terminalWsRouter = new Hono<AppEnv>().get(
  "/",
  async (c, next) => {
    const services = c.get("services");
    requireTerminals(services);
    if (!services.upgradeWebSocket) {
      throw new ApiError(
        501,
        "NOT_SUPPORTED_IN_RUNTIME",
        `WebSocket is not available on ${services.runtime}`,
      );
    }
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError(426, "UPGRADE_REQUIRED", "connect with a WebSocket client");
    }
    await next();
  },
  requireRole("operator"),
  async (c, next) => {
    const services = c.get("services");
    const ctx: ConnectionContext = {
      services,
      terminals: requireTerminals(services),
      config: c.get("gatewayConfig"),
      client: terminalClient(c),
      isAdmin: RANK[c.get("role")] >= RANK.admin,
    };
    return services.upgradeWebSocket!((): WSEvents => {
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
