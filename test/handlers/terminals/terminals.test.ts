import { describe, expect, it } from "vitest";
import { createTestApp, json } from "../../helpers/app.js";

describe("terminal routes without the terminal capability (as on Workers)", () => {
  it("answers 501 NOT_SUPPORTED_IN_RUNTIME", async () => {
    const { app } = createTestApp();
    for (const [method, path] of [
      ["GET", "/api/terminals"],
      ["DELETE", "/api/terminals/abc"],
      ["GET", "/terminal/ws"],
    ] as const) {
      const res = await app.request(path, { method, headers: { upgrade: "websocket" } });
      expect(res.status, `${method} ${path}`).toBe(501);
      expect(await json(res)).toMatchObject({ code: "NOT_SUPPORTED_IN_RUNTIME" });
    }
  });

  it("documents the REST routes with their roles", async () => {
    const { app } = createTestApp();
    const doc = await json<{ paths: Record<string, Record<string, Record<string, unknown>>> }>(
      await app.request("/openapi.json"),
    );
    expect(doc.paths["/api/terminals"]?.get?.["x-required-role"]).toBe("viewer");
    expect(doc.paths["/api/terminals/{id}"]?.delete?.["x-required-role"]).toBe("operator");
  });
});
