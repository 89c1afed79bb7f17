import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { ServerOptions, WebSocket, WebSocketServer } from "ws";

/** Events of the real server that its users listen to on this one. */
const FORWARDED = ["headers", "wsClientError"] as const;

/**
 * Stands in for ws's WebSocketServer (noServer mode) where @hono/node-server and the gateway expect one,
 * and loads `ws` (with the TLS, HTTPS and zlib modules it pulls in, ~20 ms of CPU) at the first WebSocket
 * upgrade instead of at start. `ready()` must have resolved before an upgrade is handed on: the upgrade
 * filter (upgrade-requests.ts) awaits it. Listeners attached here hear the real server's events.
 */
export class LazyWebSocketServer extends EventEmitter {
  /** What @hono/node-server checks before it takes the server. */
  readonly options = { noServer: true } as const;
  private real: WebSocketServer | undefined;
  private loading: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly settings: Omit<ServerOptions, "noServer">) {
    super();
  }

  ready(): Promise<void> {
    this.loading ??= import("ws").then(({ WebSocketServer: Server }) => {
      const real = new Server({ ...this.settings, noServer: true });
      for (const event of FORWARDED) real.on(event, (...args: unknown[]) => this.emit(event, ...args));
      this.real = real;
      if (this.closed) real.close();
    });
    return this.loading;
  }

  handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    done: (ws: WebSocket, request: IncomingMessage) => void,
  ): void {
    if (!this.real) throw new Error("WebSocket upgrade before the WebSocket server was loaded");
    this.real.handleUpgrade(request, socket, head, done);
  }

  /** Connected clients (none before the first upgrade). */
  get clients(): ReadonlySet<WebSocket> {
    return this.real?.clients ?? new Set();
  }

  close(): void {
    this.closed = true;
    this.real?.close();
  }

  /** What @hono/node-server's option is typed as: it uses only the members above. */
  asServer(): WebSocketServer {
    return this as unknown as WebSocketServer;
  }
}
