import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, tooDeepPath } from "../../handlers/lib/json-depth.js";
import { bodyLimitSetting } from "../../handlers/middleware/body-limit.js";
import { secretQueryParam } from "../../handlers/middleware/query-secrets.js";
import { StorageError } from "../../storage/errors.js";
import { compileGatewayConfig } from "../../storage/gateway-config.js";
import { createTestApp, json, jsonRequest } from "../helpers/app.js";
import { FakeRunQueue } from "../helpers/fake-run-queue.js";

type Json = Record<string, unknown>;
const MiB = 1024 * 1024;

/** `{a: {a: ... {a: leaf}}}` with `levels` objects. */
function nested(levels: number, leaf: unknown = "x"): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

async function post(app: ReturnType<typeof createTestApp>["app"], path: string, body: unknown) {
  const res = await app.request(path, jsonRequest("POST", body));
  return { status: res.status, headers: res.headers, body: await json<Json>(res) };
}

describe("body limits (one middleware for every route)", () => {
  it("refuses a body over 1 MiB on a JSON API with 413 naming the limit and its setting, storing nothing", async () => {
    const { app } = createTestApp();
    // app.request streams the body without a Content-Length: the counting path.
    const res = await post(app, "/api/agent", { name: "Big", description: "x".repeat(MiB) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      details: { limit: MiB, setting: "limits.body" },
    });
    expect(res.body.error).toMatch(/1 MiB.*limits\.body/);
    expect(res.headers.get("connection")).toBe("close");
    const list = await json<{ total: number }>(await app.request("/api/agent"));
    expect(list.total).toBe(0);
  });

  it("lets a body under the limit through untouched", async () => {
    const { app } = createTestApp();
    const skills = Array.from({ length: 4 }, (_, i) => `${i}`.repeat(250_000));
    const res = await post(app, "/api/agent", { name: "Fits", skills });
    expect(res.status).toBe(201);
    expect(res.body.skills).toEqual(skills);
  });

  it("gives routes that carry prompts 8 MiB and the webhook 64 KiB", async () => {
    expect(bodyLimitSetting("/api/chat")).toBe("prompt_body");
    expect(bodyLimitSetting("/api/queue")).toBe("prompt_body");
    expect(bodyLimitSetting("/api/agent/a/spawn")).toBe("prompt_body");
    expect(bodyLimitSetting("/api/agent/a/history")).toBe("prompt_body");
    expect(bodyLimitSetting("/api/agent/a/sessions/s/messages")).toBe("prompt_body");
    expect(bodyLimitSetting("/api/hooks/wake")).toBe("webhook_body");
    expect(bodyLimitSetting("/api/agent")).toBe("body");
    expect(bodyLimitSetting("/api/agent/spawn")).toBe("body");

    const queue = new FakeRunQueue();
    const { app, scopes } = createTestApp({ queue });
    await scopes.global().store.write("config.yaml", { default_agent: "CLAUDE_CODE" });
    const prompt = "p".repeat(2 * MiB);
    const queued = await post(app, "/api/queue", { agent_id: "CLAUDE_CODE", prompt });
    expect(queued.status).not.toBe(413);
    const hook = await post(app, "/api/hooks/wake", { prompt: "h".repeat(65 * 1024) });
    expect(hook.status).toBe(413);
    expect(hook.body.details).toMatchObject({ limit: 64 * 1024, setting: "limits.webhook_body" });
  });

  it("takes its limits from gateway.yaml `limits:` (bytes or a size with a unit), re-read on change", async () => {
    const { app, scopes } = createTestApp();
    await scopes.global().store.writeRaw("gateway.yaml", "limits:\n  body: 2KiB\n");
    const small = await post(app, "/api/agent", { name: "Small", description: "z".repeat(3000) });
    expect(small.status).toBe(413);
    expect(small.body.details).toMatchObject({ limit: 2048, setting: "limits.body" });
    expect(small.body.error).toMatch(/2 KiB/);
    await scopes.global().store.writeRaw("gateway.yaml", "limits:\n  body: 4000\n");
    expect((await post(app, "/api/agent", { name: "Small", description: "z".repeat(3000) })).status).toBe(
      201,
    );

    const compiled = compileGatewayConfig({ limits: { prompt_body: "16 MiB", webhook_body: "1MB" } }, {});
    expect(compiled.limits).toEqual({ body: MiB, prompt_body: 16 * MiB, webhook_body: 1_000_000 });
    expect(() => compileGatewayConfig({ limits: { body: "lots" } }, {})).toThrow(StorageError);
    expect(() => compileGatewayConfig({ limits: { body: 0 } }, {})).toThrow(/limits\.body/);
  });

  it("documents 413 on every operation that takes a body", async () => {
    const { app } = createTestApp();
    const doc = await json<{ paths: Record<string, Record<string, Json>> }>(
      await app.request("/openapi.json"),
    );
    let withBody = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        if (!op.requestBody) continue;
        withBody++;
        expect(Object.keys(op.responses as Json), `${method} ${path}`).toContain("413");
      }
    }
    expect(withBody).toBeGreaterThan(20);
  });
});

describe("JSON nesting depth", () => {
  it("finds the path to the first value nested too deep, without recursion", () => {
    expect(tooDeepPath({ a: [1, { b: 2 }] }, 3)).toBeUndefined();
    expect(tooDeepPath({ a: [1, { b: {} }] }, 3)).toEqual(["a", 1, "b"]);
    expect(tooDeepPath(nested(100_000), MAX_JSON_DEPTH)).toHaveLength(MAX_JSON_DEPTH);
  });

  it("refuses mcp_servers nested past the limit on agent create and patch with 400 naming the field", async () => {
    const { app } = createTestApp();
    for (const levels of [MAX_JSON_DEPTH, 2000]) {
      const res = await post(app, "/api/agent", {
        name: "Deep",
        mcp_servers: { srv: { command: "npx", extra: nested(levels) } },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: "JSON_TOO_DEEP", details: { field: "mcp_servers" } });
      expect(res.body.error).toMatch(/mcp_servers: nested deeper than 64 levels/);
    }
    expect((await json<{ total: number }>(await app.request("/api/agent"))).total).toBe(0);

    const ok = await post(app, "/api/agent", {
      name: "Shallow",
      mcp_servers: { srv: { command: "npx", extra: nested(20) } },
    });
    expect(ok.status).toBe(201);
    const patch = await app.request(
      "/api/agent/shallow",
      jsonRequest("PATCH", { mcp_servers: { srv: { command: "npx", extra: nested(2000) } } }),
    );
    expect(patch.status).toBe(400);
    expect(await json(patch)).toMatchObject({ code: "JSON_TOO_DEEP", details: { field: "mcp_servers" } });
  });

  it("refuses webhook metadata nested 2,000 levels with 400 naming metadata, queueing nothing", async () => {
    const queue = new FakeRunQueue();
    const { app, scopes } = createTestApp({ queue });
    await scopes.global().store.write("config.yaml", { default_agent: "CLAUDE_CODE" });
    const res = await post(app, "/api/hooks/wake", { prompt: "hi", metadata: nested(2000) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "JSON_TOO_DEEP", details: { field: "metadata" } });
    expect(queue.jobs.size).toBe(0);
  });
});

describe("credentials in the query string", () => {
  it("recognises token-like parameters whatever their case, separators or array suffix", () => {
    for (const query of [
      "token=x",
      "TOKEN=x",
      "Token=x",
      "token[]=x",
      "token[0]=x",
      "Api-Key=x",
      "ACCESS_TOKEN=x",
      "hook-token=x",
      "apikey=x",
      "%74oken=x",
    ]) {
      expect(secretQueryParam(`http://h/api/agent?limit=1&${query}`), query).toBeDefined();
    }
    expect(secretQueryParam("http://h/api/agent?workspace_path=/x&limit=3")).toBeUndefined();
    expect(secretQueryParam("http://h/ws?token=x", "token")).toBeUndefined();
    expect(secretQueryParam("http://h/ws?TOKEN=x", "token")).toBe("TOKEN");
  });
});
