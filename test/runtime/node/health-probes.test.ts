import type { IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { createEventBus } from "../../../runtime/event-bus.js";
import { answerHealthProbes } from "../../../runtime/node/health-probes.js";
import { createTestApp, json, STARTUP } from "../../helpers/app.js";

/** A gateway app with what lets /health reuse its fields (an event bus), as the Node runtime has. */
function gatewayApp(remoteAddress: string) {
  return createTestApp({
    remoteAddress,
    events: createEventBus(),
    extend: () => ({ startup: () => STARTUP }),
  }).app;
}

/** One request through the probe listener (`host: null`: none sent): its own answer, or that it passed it on. */
function probe(
  app: ReturnType<typeof gatewayApp>,
  { method = "GET", url = "/health", host = "127.0.0.1:18790" as string | null, remote = "127.0.0.1" } = {},
) {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  let passedOn = false;
  const req = {
    method,
    url,
    headers: host === null ? {} : { host },
    socket: { localAddress: "127.0.0.1", localPort: 18790, localFamily: "IPv4", remoteAddress: remote },
  };
  const res = {
    setHeader: (name: string, value: string) => {
      headers[name] = value;
    },
    end: (text: string) => {
      body = text;
    },
  };
  answerHealthProbes(app.services, () => {
    passedOn = true;
  })(req as unknown as IncomingMessage, res as unknown as ServerResponse);
  return { passedOn, headers, body };
}

/** The body without the fields that move with the clock. */
function timeless(body: Record<string, unknown>) {
  const { uptime: _u, timestamp: _t, uptime_seconds: _s, ...rest } = body;
  return rest;
}

describe("liveness probes answered ahead of the Node adapter", () => {
  it("answers GET /health by this server's address with the route's own body once its fields are reusable", async () => {
    for (const remote of ["127.0.0.1", "203.0.113.7"]) {
      const app = gatewayApp(remote);
      // Nothing to reuse yet: the route answers (and makes the fields).
      expect(probe(app, { remote }).passedOn).toBe(true);
      const routed = await json(await app.request("/health"));
      for (const url of ["/health", "/health?probe=1"]) {
        const fast = probe(app, { url, remote });
        expect(fast.passedOn).toBe(false);
        expect(fast.headers).toEqual({ "content-type": "application/json" });
        const body = JSON.parse(fast.body ?? "");
        expect(timeless(body)).toEqual(timeless(routed));
        // The startup record (paths, pid) only for callers on this machine, as the route decides.
        expect(body.startup).toEqual(remote === "127.0.0.1" ? STARTUP : undefined);
      }
    }
  });

  it("passes on everything else: HEAD, other methods and paths, and Host spellings the adapter checks", async () => {
    const app = gatewayApp("127.0.0.1");
    await app.request("/health");
    for (const request of [
      { method: "HEAD" },
      { method: "POST" },
      { url: "/healthz" },
      { url: "/health/" },
      { host: "localhost:18790" },
      { host: "127.0.0.1:1" },
      { host: "%31.0.0.1:18790" },
      { host: null },
    ]) {
      expect(probe(app, request).passedOn, JSON.stringify(request)).toBe(true);
    }
  });
});
