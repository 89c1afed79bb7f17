import { describe, expect, it } from "vitest";
import { createTestApp, json, STARTUP } from "../../helpers/app.js";

describe("GET /health", () => {
  it("answers probes with and without a query, and HEAD, without touching other paths", async () => {
    const { app } = createTestApp({ remoteAddress: "203.0.113.7" });
    for (const path of ["/health", "/health?probe=1"]) {
      const res = await app.request(path, {
        headers: { origin: "https://evil.example", host: "evil.example" },
      });
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ status: "ok", runtime: "node", version: "0.0.0-test" });
    }
    expect((await app.request("/health", { method: "HEAD" })).status).toBe(200);
    // Paths that only look like it go through the main router and its security checks.
    expect((await app.request("/healthz")).status).toBe(403);
    expect((await app.request("/health/x")).status).toBe(403);
    expect((await app.request("/health", { method: "POST" })).status).toBe(403);
  });

  it("adds the original Viben fields; startup only for callers on this machine", async () => {
    const remote = createTestApp({
      remoteAddress: "203.0.113.7",
      extend: () => ({ startup: () => STARTUP }),
    });
    const far = await json(await remote.app.request("/health"));
    expect(far).toMatchObject({ service: "viben-gateway", uptime_seconds: expect.any(Number) });
    expect(far.startup).toBeUndefined();
    const local = createTestApp({ remoteAddress: "127.0.0.1", extend: () => ({ startup: () => STARTUP }) });
    expect(await json(await local.app.request("/health"))).toMatchObject({ startup: STARTUP });
  });
});
