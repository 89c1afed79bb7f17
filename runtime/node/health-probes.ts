import type { RequestListener } from "node:http";
import type { Socket } from "node:net";
import { isHealthPath, readyHealthBody, type Services } from "../../handlers/index.js";
import { isLoopbackAddress } from "../../storage/rules/loopback.js";

/**
 * Liveness probes answered by node:http itself, ahead of the Node adapter and Hono: for a probe, building
 * a Request, a Context and a Response costs more than the answer. The body is the /health route's own
 * (handlers/system/health.ts, told the same loopback decision from the same socket address) and the
 * headers are those node-server writes for it: content-type, then Node's Date, Connection, Keep-Alive and
 * Content-Length, in that order. Only what the adapter would surely answer the same way takes this path: a
 * GET whose Host names this server's own address (the adapter refuses a missing or malformed Host), while
 * the body can be given at once. Everything else (HEAD, another Host spelling, fields to recompute) goes
 * the ordinary way, to the same route.
 */
export function answerHealthProbes(services: Services, listener: RequestListener): RequestListener {
  return (req, res) => {
    if (req.method === "GET" && isHealthPath(req.url ?? "") && req.headers.host === ownHost(req.socket)) {
      const body = readyHealthBody(services, isLoopbackAddress(req.socket.remoteAddress));
      if (body !== undefined) {
        res.setHeader("content-type", "application/json");
        res.end(body);
        return;
      }
    }
    listener(req, res);
  };
}

/** `address:port` of the socket's own end, as a client naming this server by its address writes Host. */
function ownHost({ localAddress, localPort, localFamily }: Socket): string {
  return localFamily === "IPv6" ? `[${localAddress}]:${localPort}` : `${localAddress}:${localPort}`;
}
