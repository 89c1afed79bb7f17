import { describe, expect, it } from "vitest";
import { createTestApp, recordingLogger } from "../../helpers/app.js";

describe("request ids (X-Request-Id)", () => {
  const idOf = async (sent?: string) => {
    const { logger, lines } = recordingLogger();
    const { app } = createTestApp({ logger });
    const res = await app.request(
      "/api/agent",
      sent === undefined ? {} : { headers: { "x-request-id": sent } },
    );
    const logged = lines.find((line) => line.msg === "request")?.request_id;
    expect(logged).toBe(res.headers.get("x-request-id"));
    return res.headers.get("x-request-id");
  };

  it("keeps a caller's short token id, dotted ones included", async () => {
    expect(await idOf("trace-1_a")).toBe("trace-1_a");
    expect(await idOf("1.2.3")).toBe("1.2.3");
  });

  it("replaces a missing, long or odd id with a UUID", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    expect(await idOf()).toMatch(uuid);
    expect(await idOf("x".repeat(65))).toMatch(uuid);
    expect(await idOf("a b")).toMatch(uuid);
    expect(await idOf("<script>")).toMatch(uuid);
    expect(await idOf("x".repeat(64))).toBe("x".repeat(64));
  });
});
