import { describe, expect, it } from "vitest";
import { createTestApp, json } from "../helpers/app.js";

/**
 * Regressions found by the fuzz of every /openapi.json operation (test/blackbox/openapi-fuzz.test.ts):
 * each malformed input below once got a 500, a non-envelope answer or a silently mangled id.
 */
type Envelope = { error: string; code: string; details: Record<string, unknown> };

describe("malformed input answers a 4xx envelope", () => {
  it("names the expected content type when a body is not JSON (415)", async () => {
    const { app } = createTestApp();
    const res = await app.request("/api/agent", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ name: "x" }),
    });
    expect(res.status).toBe(415);
    expect(await json<Envelope>(res)).toEqual({
      error: "request body must be JSON (content-type: application/json), not 'text/plain'",
      code: "UNSUPPORTED_MEDIA_TYPE",
      details: { content_type: "text/plain" },
    });
  });
});
