import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createGatewayClient, errorMessage } from "../../client/index.js";
import { openApiTypes } from "../../scripts/client-types.js";
import { createTestApp } from "../helpers/app.js";

describe("typed API client (client/)", () => {
  it("has types generated from the current route definitions (run `npm run gen:client` when this fails)", async () => {
    const committed = await readFile(new URL("../../client/openapi.d.ts", import.meta.url), "utf8");
    expect(committed === (await openApiTypes())).toBe(true);
  });

  it("calls the gateway with typed paths and bodies, and reads error envelopes", async () => {
    const { app } = createTestApp();
    const client = createGatewayClient({
      baseUrl: "http://127.0.0.1:18790/",
      fetch: async (r) => app.fetch(r),
    });
    const created = await client.POST("/api/agent", {
      body: { name: "helper", executor: "CLAUDE_CODE", scope: "global" },
    });
    expect(created.response.status).toBe(201);
    const listed = await client.GET("/api/agent");
    expect(listed.data?.agents.map((a) => a?.name)).toContain("helper");
    const missing = await client.GET("/api/agent/{id}", { params: { path: { id: "nope" } } });
    expect(missing.response.status).toBe(404);
    expect(errorMessage(missing.error, missing.response.status)).toMatch(/^AGENT_NOT_FOUND: /);
    expect(errorMessage(undefined, 502)).toBe("HTTP 502");
  });

  it("sends the API key as a bearer header, read at each request", async () => {
    const seen: (string | null)[] = [];
    let key: string | undefined = "k1";
    const client = createGatewayClient({
      baseUrl: "http://gw",
      apiKey: () => key,
      fetch: async (request) => {
        seen.push(request.headers.get("authorization"));
        return Response.json({ status: "ok" });
      },
    });
    await client.GET("/health");
    key = undefined;
    await client.GET("/health");
    expect(seen).toEqual(["Bearer k1", null]);
  });
});
