import { z } from "@hono/zod-openapi";
import type { WSEvents } from "hono/ws";
import { validationError } from "../errors.js";
import { createDocumentedRouter } from "../lib/app-factory.js";
import { decodeBase64, encodeBase64 } from "../lib/base64.js";
import { defineRoute, requireRole } from "../lib/roles.js";
import { errorResponses, switchingProtocols, webSocketHandshake } from "../lib/schemas.js";
import { type TerminalCodec, TerminalConnection } from "./terminal-connection.js";
import { resolveTerminalCwd } from "./terminal-requests.js";
import { terminalConnectionContext, terminalUpgradeChecks } from "./terminal-ws.js";

/*
 * The original Viben server's terminal dialect (LinXueyuanStdio/viben packages/core/src/gateway/routes/
 * terminal.ts): the terminal opens at once from the query, `connected {sessionId}` comes first, and
 * `input`/`output` carry base64. It is the /terminal/ws terminal underneath (same limits, same grace
 * period after a disconnect, reattachable there by the id `connected` names).
 */

const dimension = z
  .string()
  .regex(/^\d{1,4}$/, "must be a whole number")
  .transform(Number)
  .pipe(z.number().int().min(1, "must be at least 1").max(1000, "must be at most 1000"))
  .optional();

const TerminalQuerySchema = webSocketHandshake.query.extend({
  cwd: z.string().min(1).max(4096).optional().openapi({
    description:
      "Working directory (inside the home directory or gateway.yaml `workdir_roots`); default home",
  }),
  cols: dimension.openapi({ type: "integer", description: "Columns (default 80)" }),
  rows: dimension.openapi({ type: "integer", description: "Rows (default 24)" }),
  shell: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .openapi({ description: "Program to run instead of the user's shell (run via `$SHELL -c`)" }),
});

const DESCRIPTION = [
  "The original Viben terminal dialect. The terminal opens on connect from the query; the gateway sends",
  '`{"type":"connected","sessionId","terminal_id","pid"}`, then `{"type":"output","data":<base64>,"replay"?}`',
  'and finally `{"type":"exit","code","signal","reason"?}`. The client sends `{"type":"input","data":<base64>}`',
  'and `{"type":"resize","cols","rows"}`. A bad frame gets `{"type":"error","message","code"}`. Closing the',
  "socket detaches: the terminal lives on for the grace period and can be reattached on /terminal/ws.",
].join(" ");

const route = defineRoute("operator", {
  method: "get",
  path: "/",
  operationId: "connectTerminalBase64",
  tags: ["Terminals"],
  summary: "Open a terminal at once over WebSocket with base64 data (the original Viben dialect; Node only)",
  description: DESCRIPTION,
  request: { query: TerminalQuerySchema, headers: webSocketHandshake.headers },
  responses: {
    ...switchingProtocols("Frames as described above."),
    ...errorResponses(400, 426, 501),
  },
});

/** Translates the Viben frames to and from /terminal/ws's, remembering the size for partial resizes. */
function vibenCodec(size: { cols: number; rows: number }): TerminalCodec {
  return {
    incoming(json) {
      const frame = json as { type?: unknown; data?: unknown; cols?: unknown; rows?: unknown } | null;
      if (frame?.type === "input") {
        if (typeof frame.data !== "string") return { invalid: "data: base64 text required" };
        const data = decodeBase64(frame.data);
        return data === undefined ? { invalid: "data: must be base64" } : { frame: { type: "input", data } };
      }
      if (frame?.type === "resize") {
        // Viben keeps the current size for a missing dimension.
        const cols = frame.cols ?? size.cols;
        const rows = frame.rows ?? size.rows;
        if (typeof cols === "number" && typeof rows === "number" && cols >= 1 && rows >= 1) {
          size.cols = cols;
          size.rows = rows;
        }
        return { frame: { type: "resize", cols, rows } };
      }
      return { frame: json };
    },
    outgoing(frame) {
      switch (frame.type) {
        case "ready":
          return {
            type: "connected",
            sessionId: frame.terminal_id,
            terminal_id: frame.terminal_id,
            pid: frame.pid,
          };
        case "output":
          return { ...frame, data: encodeBase64(String(frame.data ?? "")) };
        default:
          return frame;
      }
    },
  };
}

/** /ws/terminal: the Viben terminal dialect (operator role; 501 where there are no PTYs). */
export const terminalVibenRouter = createDocumentedRouter(route).get(
  "/",
  terminalUpgradeChecks,
  requireRole("operator"),
  async (c, next) => {
    const parsed = TerminalQuerySchema.safeParse(c.req.query());
    if (!parsed.success) throw validationError(parsed.error, "query");
    const query = parsed.data;
    const ctx = await terminalConnectionContext(c);
    // Checked before the upgrade, so a bad directory is a 400 rather than a socket that closes at once.
    const cwd = await resolveTerminalCwd(ctx.services, query.cwd, ctx.config.workdirRoots);
    const size = { cols: query.cols ?? 80, rows: query.rows ?? 24 };
    const init = { cwd, ...size, ...(query.shell ? { command: query.shell } : {}) };
    return ctx.services.upgradeWebSocket!((): WSEvents => {
      let connection: TerminalConnection | undefined;
      const open = (ws: Parameters<NonNullable<WSEvents["onOpen"]>>[1]) => {
        connection = new TerminalConnection(ctx, ws, vibenCodec(size));
        connection.begin(init);
        return connection;
      };
      return {
        onOpen: (_event, ws) => {
          open(ws);
        },
        onMessage: (event, ws) => {
          (connection ?? open(ws)).onMessage(event.data);
        },
        onClose: () => connection?.close(),
        onError: () => connection?.close(),
      };
    })(c, next);
  },
);
