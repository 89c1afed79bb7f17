import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";

/**
 * Requests carrying `Connection: Upgrade` go to Node's 'upgrade' listeners, not the request handler:
 * before, `Upgrade: h2c` (curl --http2) was never answered, a WebSocket upgrade of a REST route lost its
 * body, and a broken handshake got ws's text/html page.
 */
describe("upgrade requests on the real gateway", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-upgrade-"));
    gw = await startGateway({
      port: 0,
      env: { HOME: home, PATH: process.env.PATH, VIBEN_LOG_LEVEL: "silent" },
      sseHeartbeatMs: 20,
    });
  });

  afterAll(async () => {
    await gw.close();
    await rm(home, { recursive: true, force: true });
  });

  function send(path: string, headers: Record<string, string>, method = "GET", body?: string) {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((done, fail) => {
      const req = request(`${gw.url}${path}`, { method, headers, timeout: 5_000 });
      req.on("timeout", () => req.destroy(new Error(`no answer to ${method} ${path}`)));
      req.on("error", fail);
      // An answer to an upgrade request that does not switch protocols arrives as a plain response.
      req.on("response", (res) => {
        let text = "";
        res.on("data", (d) => {
          text += d;
        });
        res.on("end", () => done({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on("upgrade", (res, socket) => {
        socket.destroy();
        done({ status: res.statusCode!, headers: res.headers, body: "" });
      });
      req.end(body);
    });
  }

  const h2c = {
    connection: "Upgrade, HTTP2-Settings",
    upgrade: "h2c",
    "http2-settings": "AAMAAABkAAQCAAAAAAIAAAAA",
  };
  const websocket = (key = "dGhlIHNhbXBsZSBub25jZQ==", version = "13") => ({
    connection: "Upgrade",
    upgrade: "websocket",
    "sec-websocket-key": key,
    "sec-websocket-version": version,
  });

  it("serves a GET asking for h2c (curl --http2) as the plain request it is", async () => {
    const res = await send("/api/agent", h2c);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ agents: [], total: 0 });
    expect(res.headers.connection).toBe("close");
    expect((await send("/api/agent", h2c, "HEAD")).status).toBe(200);
  });

  it("survives a client that leaves an event stream it asked to upgrade (EPIPE was an unhandled error)", async () => {
    const crashed: Error[] = [];
    const onError = (error: Error) => crashed.push(error);
    process.on("uncaughtException", onError);
    try {
      await new Promise<void>((done, fail) => {
        const req = request(`${gw.url}/api/events`, { headers: h2c });
        req.on("error", fail);
        req.on("response", (res) => {
          expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
          res.socket.destroy();
          done();
        });
        req.end();
      });
      // Heartbeats keep writing to the closed socket for a while.
      await new Promise((r) => setTimeout(r, 300));
      expect(crashed).toEqual([]);
      expect((await send("/health", {})).status).toBe(200);
    } finally {
      process.off("uncaughtException", onError);
    }
  });

  it("refuses other methods asking for an upgrade with the envelope", async () => {
    const res = await send(
      "/api/agent",
      { ...h2c, "content-type": "application/json" },
      "POST",
      '{"name":"x"}',
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      code: "UPGRADE_NOT_SUPPORTED",
      details: { upgrade: "h2c" },
    });
  });

  it("answers a WebSocket upgrade of a REST route with that route's own answer, body included", async () => {
    const res = await send("/api/agent/a%00b", websocket());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: "VALIDATION_ERROR" });
    const missing = await send("/ws/", websocket());
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ code: "NOT_FOUND" });
  });

  it("answers a broken WebSocket handshake with the envelope, and still upgrades a good one", async () => {
    const badKey = await send("/ws", websocket("short"));
    expect(badKey.status).toBe(400);
    expect(JSON.parse(badKey.body)).toMatchObject({
      code: "INVALID_WEBSOCKET_HANDSHAKE",
      error: "WebSocket handshake refused: Missing or invalid Sec-WebSocket-Key header",
    });
    const badVersion = await send("/ws", websocket(undefined, "99"));
    expect(badVersion.status).toBe(400);
    expect(badVersion.headers["sec-websocket-version"]).toBe("13, 8");
    expect(JSON.parse(badVersion.body)).toMatchObject({ code: "INVALID_WEBSOCKET_HANDSHAKE" });
    expect((await send("/ws", websocket())).status).toBe(101);
  });

  it("sends the whole refusal when the gateway turns a WebSocket upgrade down (the body was dropped)", async () => {
    const res = await send("/ws", { ...websocket(), origin: "http://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.connection).toBe("close");
    expect(JSON.parse(res.body)).toMatchObject({ code: "FORBIDDEN_ORIGIN" });
    // The connection was closed cleanly, and the gateway still upgrades the next one.
    expect((await send("/terminal/ws", websocket())).status).toBe(101);
  });
});
