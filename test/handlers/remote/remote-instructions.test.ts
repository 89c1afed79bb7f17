import { describe, expect, it } from "vitest";
import { createTestApp, json, jsonRequest } from "../../helpers/app.js";

describe("/remote/instructions handlers", () => {
  it("answers 501 without a run queue, and lists nothing yet", async () => {
    const { app } = createTestApp();
    const res = await app.request("/remote/instructions", jsonRequest("POST", { agent: "a", prompt: "go" }));
    expect(res.status).toBe(501);
    expect((await json(res)).code).toBe("NOT_SUPPORTED_IN_RUNTIME");
    const listed = await app.request("/api/remote/instructions");
    expect(await json(listed)).toEqual({ instructions: [] });
  });

  it("names bad input before anything is queued", async () => {
    const { app } = createTestApp();
    const cases: [unknown, string][] = [
      [{ agent: "a" }, "prompt"],
      [{ prompt: "go", priority: "urgent" }, "priority"],
      [{ prompt: "go", workdir: "relative" }, "workdir"],
      [{ prompt: "go", agent: "a/b" }, "agent"],
      [{ host: "evil;rm -rf" }, "host"],
    ];
    for (const [body, field] of cases) {
      const res = await app.request("/api/remote/instructions", jsonRequest("POST", body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).error).toContain(field);
    }
    const missing = await app.request("/remote/instructions/ri_none");
    expect(missing.status).toBe(404);
  });

  it("answers OpenVesper's tunnel question with commands for the host", async () => {
    const { app } = createTestApp();
    const res = await app.request(
      "http://127.0.0.1:18790/remote/instructions",
      jsonRequest("POST", { host: "vps.example", user: "alice", localPort: 9000 }),
    );
    expect(res.status).toBe(200);
    const body = await json<{ host: string; options: { method: string; command: string }[] }>(res);
    expect(body.host).toBe("vps.example");
    expect(body.options[0]?.command).toBe("ssh -N -L 127.0.0.1:9000:127.0.0.1:18790 -p 22 alice@vps.example");
  });
});
