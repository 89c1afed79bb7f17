import { request as httpRequest } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { CLAUDE_AUTH_MTIME, type Fixture, KEYS, LITERAL_SECRETS, SESSION_ID } from "./fixture.js";

/** One runtime serving the shared fixture: the Node gateway or `wrangler dev`. */
export interface SuiteTarget {
  runtime: "node" | "workerd";
  /** The runtime's address; valid once seed() resolved. */
  readonly baseUrl: string;
  /** Sent with every request unless a test replaces them (an API key in key mode). */
  headers: Record<string, string>;
  /** Writes the fixture and starts the runtime on it (the caller's afterAll stops it). */
  seed(): Promise<Fixture>;
}

type Json = Record<string, unknown>;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const JSON_TYPE = { "content-type": "application/json" };

function client(target: SuiteTarget) {
  const call = async (path: string, init: RequestInit & { noDefaults?: boolean } = {}) => {
    const headers = {
      ...(init.noDefaults ? {} : target.headers),
      ...(init.headers as Record<string, string>),
    };
    const res = await fetch(`${target.baseUrl}${path}`, { ...init, headers });
    const text = await res.text();
    let body: Json = {};
    try {
      body = JSON.parse(text) as Json;
    } catch {
      // Not JSON (e.g. /docs); tests that care read `text`.
    }
    return { status: res.status, headers: res.headers, body, text };
  };
  const wake = (body: unknown, headers: Record<string, string> = bearer(KEYS.hook), query = "") =>
    call(`/api/hooks/wake${query}`, {
      method: "POST",
      noDefaults: true,
      headers: { ...JSON_TYPE, ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  return { call, wake };
}

/** A request with a forged Host header (fetch will not send one). */
export function statusWithHost(baseUrl: string, path: string, host: string): Promise<number> {
  const url = new URL(baseUrl);
  return new Promise((done, fail) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers: { host } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on("error", fail);
    req.end();
  });
}

/**
 * The HTTP read API and webhook intake, written once and run against every runtime (gateway.yaml with
 * API keys and a hook token). Expectations are the same everywhere except `/health`'s runtime.
 */
export function readApiSuite(target: SuiteTarget): void {
  const { call, wake } = client(target);
  let fixture: Fixture;

  describe(`read API and webhooks on ${target.runtime}`, () => {
    beforeAll(async () => {
      fixture = await target.seed();
    }, 120_000);

    it("answers /health without a key, outside the access log", async () => {
      const res = await call("/health", { noDefaults: true });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "ok", runtime: target.runtime, version: expect.any(String) });
      expect(res.headers.get("x-request-id")).toBeNull();
    });

    it("serves /docs with Swagger UI's files from the gateway itself (works offline)", async () => {
      const page = await call("/docs");
      expect(page.status).toBe(200);
      expect(page.text).toContain('src="/docs/assets/swagger-ui-bundle.js"');
      expect(page.text).not.toMatch(/https?:\/\//);
      for (const [name, type] of [
        ["swagger-ui-bundle.js", "javascript"],
        ["swagger-ui.css", "text/css"],
      ]) {
        const asset = await call(`/docs/assets/${name}`);
        expect(asset.status, name).toBe(200);
        expect(asset.headers.get("content-type"), name).toContain(type);
        expect(asset.text.length, name).toBeGreaterThan(10_000);
      }
    });

    it("applies the API keys of gateway.yaml, ${ENV} references expanded", async () => {
      expect((await call("/api/agent", { noDefaults: true })).body.code).toBe("UNAUTHORIZED");
      expect((await call("/api/agent", { noDefaults: true, headers: bearer("nope") })).status).toBe(401);
      // A hook token opens the webhook route only.
      expect((await call("/api/agent", { noDefaults: true, headers: bearer(KEYS.hook) })).status).toBe(401);
      expect((await call("/api/agent", { noDefaults: true, headers: bearer(KEYS.admin) })).status).toBe(200);
      const viewer = await call("/api/agent", { noDefaults: true, headers: bearer(KEYS.viewer) });
      expect(viewer.status).toBe(200);
      expect(viewer.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("checks roles before anything else", async () => {
      const res = await call("/api/agent", {
        method: "POST",
        headers: { ...JSON_TYPE, ...bearer(KEYS.viewer) },
        body: JSON.stringify({ name: "not allowed" }),
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe("FORBIDDEN_ROLE");
    });

    it("lists agents with their paths, availability and a Unicode id", async () => {
      const { status, body } = await call("/api/agent");
      expect(status).toBe(200);
      const byId = Object.fromEntries((body.agents as Json[]).map((a) => [a.id, a]));
      expect(Object.keys(byId).sort()).toEqual(["helper", "本地助手"]);
      expect(byId.helper).toMatchObject({
        source: "global",
        workspace_path: fixture.home,
        config_path: `${fixture.home}/.viben/agents/helper/config.yaml`,
        executor_type: "CLAUDE_CODE",
        is_available: true,
      });
      // Its provider uses ${SUITE_ORG_ID}, set nowhere: not configured, so not available, on every runtime.
      expect(byId.本地助手).toMatchObject({ agent_type: "viben", provider: "gpu", is_available: false });
    });

    it("lists a workspace's agents first", async () => {
      const res = await call(`/api/agent?workspace_path=${encodeURIComponent(fixture.project)}`);
      expect(res.status).toBe(200);
      expect((res.body.agents as Json[]).map((a) => [a.id, a.source])).toEqual([
        ["project-agent", "workspace"],
        ["helper", "global"],
        ["本地助手", "global"],
      ]);
      const missing = await call("/api/agent?workspace_path=/no/such/dir");
      expect(missing.status).toBe(400);
      expect(missing.body.code).toBe("WORKSPACE_NOT_FOUND");
    });

    it("reads one agent, with MCP secrets masked and references kept", async () => {
      const helper = await call("/api/agent/helper");
      expect(helper.body).toMatchObject({
        mcp_servers: { fs: { env: { TOKEN: "***", REF: "${SUITE_REF}" } } },
      });
      const unicode = await call(`/api/agent/${encodeURIComponent("本地助手")}`);
      expect(unicode.body).toMatchObject({ id: "本地助手", model: "suite-model-32b" });
      const missing = await call("/api/agent/nobody");
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe("AGENT_NOT_FOUND");
      expect((await call("/api/agent/default")).body.agent_id).toBe("helper");
    });

    it("serves executors as probed on the local machine", async () => {
      const list = await call("/api/executors");
      expect(list.status).toBe(200);
      const claude = (list.body.executors as Json[]).find((e) => e.id === "CLAUDE_CODE");
      expect(claude?.availability).toEqual({
        type: "LOGIN_DETECTED",
        last_auth_timestamp: CLAUDE_AUTH_MTIME,
      });
      expect(claude?.global_config_path).toBe(`${fixture.home}/.claude`);
      expect((await call("/api/executors/CLAUDE_CODE")).body).toMatchObject({
        availability: { type: "LOGIN_DETECTED" },
      });
      expect((await call("/api/agent/CLAUDE_CODE")).body).toMatchObject({
        type: "executor",
        is_available: true,
      });
    });

    it("merges models with the provider files' catalogues", async () => {
      const { status, body } = await call("/api/models");
      expect(status).toBe(200);
      expect((body.models as Json[]).find((m) => m.id === "suite-model-32b")).toMatchObject({
        provider_id: "gpu",
        context_window: 32768,
      });
    });

    it("shows providers with secrets masked and never a literal secret", async () => {
      const res = await call("/api/providers");
      const gpu = (res.body.providers as Json[]).find((p) => p.id === "gpu");
      expect(gpu).toMatchObject({
        api_key: "***",
        has_api_key: true,
        headers: { "X-Org": "${SUITE_ORG_ID}" },
      });
      for (const secret of LITERAL_SECRETS) {
        expect(res.text).not.toContain(secret);
        expect((await call("/api/agent/helper")).text).not.toContain(secret);
      }
    });

    it("reads sessions, their messages page by page, and history", async () => {
      const list = await call("/api/sessions?agent_id=helper");
      expect(list.body.sessions).toEqual([
        expect.objectContaining({ id: SESSION_ID, agent_id: "helper", message_count: 4, status: "idle" }),
      ]);
      const one = await call(`/api/sessions/${SESSION_ID}`);
      expect((one.body.messages as Json[]).map((m) => m.content)).toEqual([
        "What is in this folder?",
        "Two files.",
        "And now?",
        "Still two.",
      ]);
      const newest = await call(`/api/agent/helper/sessions/${SESSION_ID}/messages?limit=1`);
      expect((newest.body.messages as Json[]).map((m) => m.content)).toEqual(["Still two."]);
      const older = await call(
        `/api/agent/helper/sessions/${SESSION_ID}/messages?limit=2&before=${newest.body.prev_cursor}`,
      );
      expect((older.body.messages as Json[]).map((m) => m.seq)).toEqual([2, 3]);
      const ui = await call(`/api/agent/helper/sessions/${SESSION_ID}/ui-messages`);
      expect(ui.body.messages).toHaveLength(4);
      const history = await call("/api/agent/helper/history");
      expect(history.body.records).toEqual([
        expect.objectContaining({ run_id: "run-2", status: "completed" }),
      ]);
      expect((await call("/api/sessions/no-such-session")).status).toBe(404);
    });

    it("lists cron jobs with their next run times", async () => {
      const list = await call("/api/cron");
      expect(list.status).toBe(200);
      expect(list.body.jobs).toEqual([
        expect.objectContaining({ id: "nightly", schedule: "30 2 * * *", timezone: "UTC", enabled: true }),
      ]);
      const [job] = list.body.jobs as { next_runs: string[] }[];
      expect(job?.next_runs[0]).toMatch(/T02:30:00\.000Z$/);
      const one = await call("/api/cron/nightly?count=3");
      expect(one.body.next_runs).toHaveLength(3);
      expect((await call("/api/cron/nightly/runs")).body).toEqual({ runs: [] });
      expect((await call("/api/cron/nope")).status).toBe(404);
    });

    it("documents every route, the edge inbox included", async () => {
      const res = await call("/openapi.json");
      expect(res.status).toBe(200);
      expect(Object.keys(res.body.paths as Json)).toEqual(
        expect.arrayContaining(["/api/hooks/wake", "/api/edge/inbox", "/api/agent/{id}"]),
      );
    });

    describe("webhook intake", () => {
      it("accepts a hook token and answers 202 with a run id", async () => {
        const res = await wake({
          prompt: "The staging deploy failed",
          channel: "slack",
          metadata: { build: 7 },
        });
        expect(res.status).toBe(202);
        expect(res.body).toMatchObject({ run_id: expect.any(String), status: expect.any(String) });
        expect(res.body.job_id).toBe(res.body.run_id);
        expect(res.body.idempotent_replay).toBe(false);
      });

      it("returns the same run id for the same Idempotency-Key", async () => {
        const headers = { ...bearer(KEYS.hook), "idempotency-key": "delivery-42" };
        const first = await wake({ prompt: "once" }, headers);
        const again = await wake({ prompt: "once" }, headers);
        expect(first.status).toBe(202);
        expect(again.status).toBe(202);
        expect(again.body.run_id).toBe(first.body.run_id);
        expect(again.body.idempotent_replay).toBe(true);
        expect(again.headers.get("idempotent-replayed")).toBe("true");
        const other = await wake(
          { prompt: "once" },
          { ...bearer(KEYS.hook), "idempotency-key": "delivery-43" },
        );
        expect(other.body.run_id).not.toBe(first.body.run_id);
      });

      it("takes an admin key but not an operator or viewer key", async () => {
        expect((await wake({ prompt: "admin" }, bearer(KEYS.admin))).status).toBe(202);
        const operator = await wake({ prompt: "x" }, bearer(KEYS.operator));
        expect(operator.status).toBe(403);
        expect(operator.body.code).toBe("FORBIDDEN_ROLE");
        expect((await wake({ prompt: "x" }, bearer(KEYS.viewer))).status).toBe(403);
      });

      it("refuses missing and unknown tokens, and tokens in the query string", async () => {
        expect((await wake({ prompt: "x" }, {})).status).toBe(401);
        expect((await wake({ prompt: "x" }, bearer("wrong-token"))).status).toBe(401);
        const query = await wake({ prompt: "x" }, bearer(KEYS.hook), `?token=${KEYS.hook}`);
        expect(query.status).toBe(400);
        expect(query.body.code).toBe("TOKEN_IN_QUERY");
      });

      it("checks the body and what it names before accepting anything", async () => {
        const unknownField = await wake({ prompt: "x", colour: "red" });
        expect(unknownField.status).toBe(400);
        expect(unknownField.text).toContain("colour");
        expect((await wake({ prompt: "" })).status).toBe(400);
        expect((await wake("{not json")).status).toBe(400);
        const agent = await wake({ prompt: "x", agent_id: "nobody" });
        expect(agent.status).toBe(404);
        expect(agent.body.code).toBe("AGENT_NOT_FOUND");
        const session = await wake({ prompt: "x", session_id: "no-such-session" });
        expect(session.status).toBe(404);
        expect(session.body.code).toBe("SESSION_NOT_FOUND");
        const big = await wake({ prompt: "x".repeat(70 * 1024) });
        expect(big.status).toBe(413);
        expect(big.body.code).toBe("PAYLOAD_TOO_LARGE");
      });

      it("continues a session's agent when only the session is named", async () => {
        const res = await wake({ prompt: "continue", session_id: SESSION_ID });
        expect(res.status).toBe(202);
        expect(res.body.session_id).toBe(SESSION_ID);
      });
    });
  });
}

/**
 * No API keys configured: only loopback clients, loopback (or listed) Host names and browser origins.
 * `wrangler dev` listens on loopback here too, and the edge reads the client address from
 * CF-Connecting-IP (see runtime/workerd/remote-address.ts).
 */
export function noKeySuite(target: SuiteTarget): void {
  const { call, wake } = client(target);

  describe(`no-key mode on ${target.runtime}`, () => {
    beforeAll(async () => {
      await target.seed();
    }, 120_000);

    it("serves loopback clients", async () => {
      const res = await call("/api/agent");
      expect(res.status).toBe(200);
      expect((res.body.agents as Json[]).length).toBe(2);
    });

    it("refuses a foreign browser Origin and allows a loopback one with CORS", async () => {
      const evil = await call("/api/agent", { headers: { origin: "https://evil.example" } });
      expect(evil.status).toBe(403);
      expect(evil.body.code).toBe("FORBIDDEN_ORIGIN");
      const local = await call("/api/agent", { headers: { origin: "http://localhost:3000" } });
      expect(local.status).toBe(200);
      expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    });

    it("refuses a Host that is not loopback (DNS rebinding)", async () => {
      expect(await statusWithHost(target.baseUrl, "/api/agent", "attacker.example")).toBe(403);
      expect(await statusWithHost(target.baseUrl, "/api/agent", "localhost")).toBe(200);
      expect(await statusWithHost(target.baseUrl, "/health", "attacker.example")).toBe(200);
    });

    it("takes a webhook from a loopback client without a token", async () => {
      const res = await wake({ prompt: "local wake" }, {});
      expect(res.status).toBe(202);
    });
  });
}
