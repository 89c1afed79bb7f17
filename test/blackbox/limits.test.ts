import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";

type Json = Record<string, unknown>;
const FAKE_CLAUDE = resolve(import.meta.dirname, "../fixtures/fake-claude.mjs");
const ADMIN_KEY = "admin-key-limits-0123456789";
const HOOK_TOKEN = "hook-token-limits-0123456789";
const DECLARED = 128 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 0x20);

interface EarlyAnswer {
  status: number;
  headers: Record<string, string>;
  body: Json;
  /** Body bytes written before the answer arrived. */
  sent: number;
  /** Whether the server ended the connection (the client never does). */
  closedByServer: boolean;
}

/**
 * POSTs a body that claims (or, chunked, streams towards) 128 MiB over a raw keep-alive socket: it writes
 * one chunk at a time, each after the previous was flushed, and stops as soon as any answer byte arrives.
 * Resolves once the server has closed the connection, with the parsed answer.
 */
function postOversize(url: string, path: string, chunked: boolean): Promise<EarlyAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let sent = 0;
    let answered = false;
    let closedByServer = false;
    socket.on("data", (data) => {
      answered = true;
      received = Buffer.concat([received, data]);
    });
    socket.on("end", () => {
      closedByServer = true;
    });
    // Writing into a connection the server closed may fail (EPIPE, ECONNRESET): the answer already came.
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const text = received.toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      try {
        done({
          status: Number(statusLine.split(" ")[1]),
          headers,
          body: JSON.parse(body),
          sent,
          closedByServer,
        });
      } catch (error) {
        fail(new Error(`unexpected answer after ${sent} bytes: ${text.slice(0, 500)} (${error})`));
      }
    });
    socket.on("connect", () => {
      socket.write(
        [
          `POST ${path} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          `Authorization: Bearer ${ADMIN_KEY}`,
          "Content-Type: application/json",
          "Connection: keep-alive",
          chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${DECLARED}`,
          "",
          "",
        ].join("\r\n"),
      );
      const writeNext = () => {
        if (answered || socket.destroyed || sent >= DECLARED) return;
        sent += CHUNK.length;
        const frame = chunked
          ? Buffer.concat([Buffer.from(`${CHUNK.length.toString(16)}\r\n`), CHUNK, Buffer.from("\r\n")])
          : CHUNK;
        // With a declared length the server must answer on the headers alone: one chunk, then wait.
        socket.write(frame, () => {
          if (chunked) writeNext();
        });
      };
      writeNext();
    });
  });
}

/** `{a: {a: ... {a: "x"}}}` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

async function startIn(home: string): Promise<RunningGateway> {
  return startGateway({
    port: 0,
    env: {
      ...process.env,
      HOME: home,
      VIBEN_LOG_LEVEL: "silent",
      VIBEN_ADMIN_KEY: ADMIN_KEY,
      VIBEN_HOOK_TOKEN: HOOK_TOKEN,
    },
  });
}

const GATEWAY_YAML = [
  "api_keys: [{ name: laptop, key: '${VIBEN_ADMIN_KEY}', role: admin }]",
  "hooks:",
  "  tokens: [{ name: ci, token: '${VIBEN_HOOK_TOKEN}' }]",
  "",
].join("\n");

describe("input limits through the real server", () => {
  let home: string;
  let gw: RunningGateway;
  const admin = { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" };
  const hook = { authorization: `Bearer ${HOOK_TOKEN}`, "content-type": "application/json" };
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Json };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-limits-"));
    const root = join(home, ".viben");
    await writeTree(root, {
      "gateway.yaml": GATEWAY_YAML,
      "executors/CLAUDE_CODE.yaml": `command: ${FAKE_CLAUDE}\n`,
      // Interrupted writes of an earlier gateway: an older name without a pid, and a pid that cannot exist.
      "agents/ghost/.config.yaml.0123456789ab.tmp": "name: half-writ",
      "providers/.half.yaml.99999999-0123456789ab.tmp": "id: half",
      // A write of a live process (pid 1 always exists), e.g. another gateway sharing the root: kept.
      "agents/kept/.config.yaml.1-0123456789ab.tmp": "name: in progress",
    });
    gw = await startIn(home);
    expect(
      (await call("POST", "/api/agent", admin, { name: "Coder", executor_type: "CLAUDE_CODE" })).status,
    ).toBe(201);
    expect((await call("PUT", "/api/agent/default", admin, { agent_id: "coder" })).status).toBe(200);
  });

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("answers 413 to an oversize Content-Length at once, without reading the body, and closes", async () => {
    const res = await postOversize(gw.url, "/api/agent", false);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      details: { limit: 1024 * 1024, setting: "limits.body" },
    });
    expect(res.sent).toBe(CHUNK.length);
    expect(res.headers.connection).toBe("close");
    expect(res.closedByServer).toBe(true);
  });

  it("answers 413 to an oversize chunked body as soon as it passes the limit, and closes", async () => {
    const res = await postOversize(gw.url, "/api/agent", true);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ code: "PAYLOAD_TOO_LARGE", details: { setting: "limits.body" } });
    expect(res.sent).toBeGreaterThan(1024 * 1024);
    expect(res.sent).toBeLessThan(DECLARED);
    expect(res.headers.connection).toBe("close");
    expect(res.closedByServer).toBe(true);
    // The gateway serves on as before.
    expect((await call("GET", "/api/agent", admin)).status).toBe(200);
  });

  it("refuses deeply nested JSON with 400 naming the field: agent mcp_servers and webhook metadata", async () => {
    const agent = await call("POST", "/api/agent", admin, {
      name: "Deep",
      mcp_servers: { srv: { command: "npx", env_tree: nested(2000) } },
    });
    expect(agent.status).toBe(400);
    expect(agent.body).toMatchObject({ code: "JSON_TOO_DEEP", details: { field: "mcp_servers" } });
    expect(agent.body.error).toMatch(/mcp_servers/);
    const wake = await call("POST", "/api/hooks/wake", hook, { prompt: "x", metadata: nested(2000) });
    expect(wake.status).toBe(400);
    expect(wake.body).toMatchObject({ code: "JSON_TOO_DEEP", details: { field: "metadata" } });
    expect((await call("GET", "/api/agent/deep", admin)).status).toBe(404);
  });

  it("refuses a key or token in the query string whatever its spelling, even beside a valid header", async () => {
    for (const param of ["TOKEN", "Token", "token[]"]) {
      const query = `?${encodeURIComponent(param)}=${ADMIN_KEY}`;
      const plain = await call("GET", `/api/agent${query}`, admin);
      expect(plain.status, param).toBe(400);
      expect(plain.body).toMatchObject({ code: "TOKEN_IN_QUERY", details: { param } });
      const wake = await call("POST", `/api/hooks/wake${query}`, hook, { prompt: "query" });
      expect(wake.status, param).toBe(400);
      expect(wake.body.code).toBe("TOKEN_IN_QUERY");
    }
  });

  it("answers 422 for an Idempotency-Key reused with another body; the same body gets the same run", async () => {
    const key = { ...hook, "idempotency-key": "limits-delivery-1" };
    const first = await call("POST", "/api/hooks/wake", key, { prompt: "deploy done", channel: "ci" });
    expect(first.status).toBe(202);
    const other = await call("POST", "/api/hooks/wake", key, { prompt: "deploy failed", channel: "ci" });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    const same = await call("POST", "/api/hooks/wake", key, { prompt: "deploy done", channel: "ci" });
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({ run_id: first.body.run_id, idempotent_replay: true });
  });

  it("swept the temp files of interrupted writes at start; none blocks an id or shows in a listing", async () => {
    const root = join(home, ".viben");
    // Only the planted files: the running gateway's own writes in progress (sessions of the webhook runs
    // above) may show up here too, and are not the sweep's business.
    const left = (await readdir(root, { recursive: true })).filter(
      (p) => p.endsWith(".tmp") && !p.startsWith("sessions"),
    );
    expect(left).toEqual([join("agents", "kept", ".config.yaml.1-0123456789ab.tmp")]);
    const listed = await call("GET", "/api/agent", admin);
    expect((listed.body.agents as Json[]).map((a) => a.id)).toEqual(["coder"]);
    for (const id of ["ghost", "kept"]) {
      const created = await call("POST", "/api/agent", admin, { name: `Agent ${id}`, id });
      expect(created.status, id).toBe(201);
      expect(created.body.id).toBe(id);
    }
    const provider = await call("POST", "/api/providers", admin, {
      id: "half",
      type: "openai",
      base_url: "http://127.0.0.1:9",
    });
    expect(provider.status).toBe(201);
  });
});

describe("failed API key attempts through the real server", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-limits-keys-"));
    await writeTree(join(home, ".viben"), { "gateway.yaml": GATEWAY_YAML });
    gw = await startIn(home);
  });

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("answers 429 with Retry-After after 10 wrong keys from one address, even to the right key", async () => {
    const get = (key: string) =>
      fetch(`${gw.url}/api/agent`, { headers: { authorization: `Bearer ${key}` } });
    expect((await get(ADMIN_KEY)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await get(`guess-${i}`)).status).toBe(401);
    const limited = await get(ADMIN_KEY);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: "TOO_MANY_FAILED_ATTEMPTS" });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // One limiter for keys and hook tokens: the webhook route is closed to this address as well.
    const wake = await fetch(`${gw.url}/api/hooks/wake`, {
      method: "POST",
      headers: { authorization: `Bearer ${HOOK_TOKEN}`, "content-type": "application/json" },
      body: '{"prompt":"x"}',
    });
    expect(wake.status).toBe(429);
  });
});
