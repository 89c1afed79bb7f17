import { request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Front, listenFront } from "../../../runtime/node/front.js";

/** One request to the front; resolves with its status and body once answered. */
function send(front: Front, path: string, headers: Record<string, string> = {}, method = "GET") {
  const { port } = front.address as AddressInfo;
  return new Promise<{ status: number; body: string }>((done, fail) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

/** Resolves once the front has taken `count` requests it holds (they reach no listener until adopted). */
function arrivals(front: Front, count: number): Promise<void> {
  let seen = 0;
  return new Promise((done) => {
    const onRequest = () => {
      if (++seen === count) {
        front.server.off("request", onRequest);
        done();
      }
    };
    front.server.on("request", onRequest);
  });
}

describe("the HTTP front (the port opens before the app loads)", () => {
  let front: Front | undefined;
  afterEach(async () => {
    await front?.fail("test over");
    front = undefined;
  });

  it("answers /health while loading, holds other requests in order, and hands them to the app", async () => {
    const seenByHealth: string[] = [];
    front = await listenFront({
      host: "127.0.0.1",
      port: 0,
      health: (req: IncomingMessage) => {
        seenByHealth.push(req.url ?? "");
        return '{"status":"ok","ready":false}';
      },
    });
    const held = arrivals(front, 2);
    const first = send(front, "/api/agents");
    const second = send(front, "/api/agents?second", {}, "POST");
    await held;
    // The probe is answered although the two requests before it are still waiting.
    const health = await send(front, "/health?probe=1");
    expect(health).toEqual({ status: 200, body: '{"status":"ok","ready":false}' });
    expect(seenByHealth).toEqual(["/health?probe=1"]);

    const order: string[] = [];
    front.adopt((req, res) => {
      order.push(`${req.method} ${req.url}`);
      res.end(`app:${req.url}`);
    });
    expect(await first).toEqual({ status: 200, body: "app:/api/agents" });
    expect(await second).toEqual({ status: 200, body: "app:/api/agents?second" });
    expect(order).toEqual(["GET /api/agents", "POST /api/agents?second"]);
    // From now on the app answers everything, /health too.
    expect(await send(front, "/health")).toEqual({ status: 200, body: "app:/health" });
  });

  it("holds WebSocket upgrades until the app's upgrade handling is on the server", async () => {
    front = await listenFront({ host: "127.0.0.1", port: 0, health: () => "{}" });
    const { port } = front.address as AddressInfo;
    const upgraded = new Promise<string>((done, fail) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path: "/ws",
        headers: { connection: "Upgrade", upgrade: "websocket" },
      });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        done(res.headers["x-handled-by"] as string);
      });
      req.on("error", fail);
      req.end();
    });
    await new Promise<void>((done) => {
      const check = () => {
        // The upgrade has reached the front when its socket is open on the server.
        (front as Front).server.getConnections((_e, n) => (n > 0 ? done() : setImmediate(check)));
      };
      check();
    });
    const server = front.adopt((_req, res) => res.end());
    server.on("upgrade", (_req, socket) => {
      socket.end(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Handled-By: app\r\n\r\n",
      );
    });
    front.release();
    expect(await upgraded).toBe("app");
  });

  it("answers what waited with a 503 envelope when the start fails, and closes", async () => {
    front = await listenFront({ host: "127.0.0.1", port: 0, health: () => "{}" });
    const held = arrivals(front, 1);
    const waiting = send(front, "/api/agents");
    await held;
    const failing = front;
    front = undefined;
    await failing.fail("cannot load gateway.yaml: port: bad");
    const answer = await waiting;
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toEqual({
      error: "cannot load gateway.yaml: port: bad",
      code: "GATEWAY_START_FAILED",
      details: {},
    });
    expect(failing.server.listening).toBe(false);
  });
});
