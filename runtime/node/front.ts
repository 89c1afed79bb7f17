import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { isHealthPath } from "../../handlers/system/health-core.js";
import { answerClientErrorsWithEnvelope, endWithEnvelope } from "./client-errors.js";

/**
 * The gateway's HTTP front: a plain node:http server that opens the port as soon as start-up has taken
 * the data folder's lock and checked the address, before the app (Hono, the routes, the services, zod)
 * has loaded. Meanwhile it answers liveness probes (GET or HEAD /health, with `ready: false`) and holds
 * every other request and WebSocket upgrade in arrival order; once the app takes over (`adopt`, then
 * `release`) they reach it as if they had just arrived. A start that fails answers them 503.
 */
export interface Front {
  readonly server: Server;
  readonly address: AddressInfo;
  /**
   * The app's listener takes over requests, first the ones held; returns the server for the Node adapter
   * to set up its upgrade handling on. Upgrades stay held until `release`.
   */
  adopt(listener: RequestListener): Server;
  /** Hands the upgrades held meanwhile to the 'upgrade' listeners the app has put on the server. */
  release(): void;
  /** The start failed: held requests and upgrades are answered 503, and the server closes. */
  fail(message: string): Promise<void>;
}

export interface FrontOptions {
  host: string;
  port: number;
  /** The /health body while the app loads (the request tells whether the caller is local). */
  health(req: IncomingMessage): string;
}

type HeldUpgrade = [req: IncomingMessage, socket: Duplex, head: Buffer];

export function listenFront({ host, port, health }: FrontOptions): Promise<Front> {
  const heldRequests: [IncomingMessage, ServerResponse][] = [];
  const heldUpgrades: HeldUpgrade[] = [];
  let listener: RequestListener | undefined;
  const server = createServer((req, res) => {
    if (listener) return listener(req, res);
    if ((req.method === "GET" || req.method === "HEAD") && isHealthPath(req.url ?? "")) {
      res.setHeader("content-type", "application/json");
      res.end(health(req));
      return;
    }
    heldRequests.push([req, res]);
  });
  const holdUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node took its own error handling off the socket: a client that goes away must not end the process.
    socket.on("error", () => socket.destroy());
    heldUpgrades.push([req, socket, head]);
  };
  server.on("upgrade", holdUpgrade);
  answerClientErrorsWithEnvelope(server);
  const front: Front = {
    server,
    get address() {
      return server.address() as AddressInfo;
    },
    adopt(appListener) {
      listener = appListener;
      server.off("upgrade", holdUpgrade);
      for (const [req, res] of heldRequests.splice(0)) appListener(req, res);
      return server;
    },
    release() {
      for (const [req, socket, head] of heldUpgrades.splice(0))
        if (!socket.destroyed) server.emit("upgrade", req, socket, head);
    },
    async fail(message) {
      const body = JSON.stringify({ error: message, code: "GATEWAY_START_FAILED", details: {} });
      for (const [, res] of heldRequests.splice(0))
        if (!res.headersSent) res.writeHead(503, { "content-type": "application/json" }).end(body);
      for (const [, socket] of heldUpgrades.splice(0))
        endWithEnvelope(socket, 503, "GATEWAY_START_FAILED", message);
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(front);
    });
  });
}
