import type { EventEmitter } from "node:events";
import { type IncomingMessage, type Server, ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { endWithEnvelope } from "./client-errors.js";

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * Node hands every request carrying `Connection: Upgrade` to the 'upgrade' listeners instead of the
 * request handler, and @hono/node-server's listener takes WebSocket upgrades only: `Upgrade: h2c` (what
 * `curl --http2` sends on http://) got no answer at all and held its socket for good, and a WebSocket
 * upgrade of a REST route got its status with the body cut off. Now only WebSocket upgrades of the
 * WebSocket routes reach that listener; any other GET or HEAD is served as the plain request it also is
 * (a server may ignore Upgrade, RFC 9110 §7.8), and other methods get a 400 envelope (their body, if
 * any, is not parsed once Node has treated the request as an upgrade).
 */
export function serveUpgradesOnWebSocketRoutesOnly(
  server: Server,
  webSocketPaths: readonly string[],
  /** Resolves once the WebSocket server is loaded (it is loaded at the first WebSocket upgrade). */
  webSocketsReady: () => Promise<void> = () => Promise.resolve(),
): void {
  const original = server.listeners("upgrade") as UpgradeListener[];
  server.removeAllListeners("upgrade");
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node took its own error handling off the socket when it saw the upgrade: a client that goes away
    // mid-answer (EPIPE, ECONNRESET) must not become an unhandled 'error' that ends the process.
    socket.on("error", () => socket.destroy());
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.headers.upgrade?.toLowerCase() === "websocket" && isWebSocketPath(webSocketPaths, path)) {
      webSocketsReady().then(
        () => {
          if (!socket.destroyed) for (const listener of original) listener.call(server, req, socket, head);
        },
        (error: Error) =>
          endWithEnvelope(
            socket,
            503,
            "WEBSOCKETS_UNAVAILABLE",
            `cannot serve WebSockets: ${error.message}`,
            {},
          ),
      );
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      endWithEnvelope(
        socket,
        400,
        "UPGRADE_NOT_SUPPORTED",
        `cannot upgrade ${req.method} ${path} to '${req.headers.upgrade}': send it without an Upgrade header`,
        { upgrade: req.headers.upgrade ?? null },
      );
      return;
    }
    servePlainRequest(server, req, socket as Socket);
  });
}

/** Whether a path is one of the WebSocket routes; a `:name` segment of a route matches any one segment. */
export function isWebSocketPath(routes: readonly string[], path: string): boolean {
  if (routes.includes(path)) return true;
  const segments = path.split("/");
  return routes.some((route) => {
    if (!route.includes("/:")) return false;
    const parts = route.split("/");
    return (
      parts.length === segments.length &&
      parts.every((part, i) => (part.startsWith(":") ? segments[i] !== "" : part === segments[i]))
    );
  });
}

/** Serves an upgrade request through the ordinary request handler, then closes the connection. */
function servePlainRequest(server: Server, req: IncomingMessage, socket: Socket): void {
  // A GET or HEAD has no body; ending the stream lets anything that reads it finish.
  if (!req.readableEnded) req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once("finish", () => {
    res.detachSocket(socket);
    socket.end();
  });
  socket.once("close", () => res.destroy());
  server.emit("request", req, res);
}

// Hop-by-hop headers, and the ones the answer below sets itself.
const NOT_FORWARDED = new Set(["connection", "content-length", "keep-alive", "transfer-encoding", "upgrade"]);

/**
 * When the app refuses a WebSocket upgrade (401 without a key, 403 for a foreign Origin, 429 past the
 * failed-attempt limit...), @hono/node-server sends the status and headers with an empty body. This
 * sends the app's whole answer, the JSON error envelope included. (node-server calls the app for an
 * upgrade with `env.incoming` set and no `env.outgoing`; its own empty answer after ours is dropped.)
 */
export function answerRefusedUpgradesInFull<E extends { incoming?: unknown; outgoing?: unknown }>(
  fetch: (request: Request, env: E) => Promise<Response> | Response,
): (request: Request, env: E) => Promise<Response> | Response {
  return (request, env) => {
    const incoming = env?.incoming as IncomingMessage | undefined;
    // An ordinary request passes straight through: an answer the app gives synchronously stays
    // synchronous, which node-server writes out without waiting on a promise.
    if (!incoming || env.outgoing !== undefined) return fetch(request, env);
    return answerInFull(fetch(request, env), incoming);
  };
}

/** Sends a refused upgrade's whole answer on the socket itself (see above). */
async function answerInFull(
  answer: Promise<Response> | Response,
  incoming: IncomingMessage,
): Promise<Response> {
  const response = await answer;
  if (response.status < 300) return response;
  const socket = incoming.socket;
  if (socket.destroyed || !socket.writable) return response;
  const body = Buffer.from(await response.arrayBuffer());
  const headers: string[] = [];
  response.headers.forEach((value, name) => {
    if (!NOT_FORWARDED.has(name)) headers.push(`${name}: ${value}\r\n`);
  });
  const head =
    `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}\r\n${headers.join("")}` +
    `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head), body]));
  // node-server answers the refusal again, bodiless: the socket is already ending, so that is a no-op.
  socket.end = (() => socket) as typeof socket.end;
  setTimeout(() => socket.destroy(), 2_000).unref();
  return response;
}

const HANDSHAKE_STATUS: Record<string, number> = { "Invalid HTTP method": 405 };

/**
 * A WebSocket handshake the `ws` library refuses (no or a malformed Sec-WebSocket-Key, an unknown
 * version) is answered with the JSON error envelope instead of ws's text/html page.
 */
export function answerHandshakeErrorsWithEnvelope(wss: EventEmitter): void {
  wss.on("wsClientError", (error: Error, socket: Duplex) => {
    const versionProblem = /Sec-WebSocket-Version/.test(error.message);
    endWithEnvelope(
      socket,
      HANDSHAKE_STATUS[error.message] ?? 400,
      "INVALID_WEBSOCKET_HANDSHAKE",
      `WebSocket handshake refused: ${error.message}`,
      {},
      versionProblem ? { "sec-websocket-version": "13, 8" } : {},
    );
  });
}
