/*
 * Follows Ryvos/ryvos docs/api/webhook-format.md and docs/api/gateway-rest.md (POST /api/hooks/wake with
 * `callback_url`; the handler in crates/ryvos-gateway/src/routes.rs): after the run, the gateway POSTs
 * `{session_id, response, metadata}` (or `error` in place of `response`) to the callback URL.
 * Drives a real gateway, the real Claude Code CLI against the local Anthropic stub, and a local receiver.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentText, type MessagesRequest } from "../fixtures/anthropic-stub.js";
import { type ClaudeGateway, startClaudeGateway } from "../helpers/claude-gateway.js";
import type { Json } from "../helpers/clients.js";

function reply(body: MessagesRequest) {
  const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
  if (prompt.includes("FAIL_NOW")) return { error: { status: 400, message: "stub refused the prompt" } };
  return { text: "Build completed. 142 tests passed.", usage: { input_tokens: 12, output_tokens: 7 } };
}

/** A local HTTP receiver: every POST body is kept, and a test can wait for one by its path. */
async function startReceiver() {
  const bodies: { path: string; body: Json }[] = [];
  const waiters: { path: string; resolve: (body: Json) => void }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d) => {
      raw += d;
    });
    req.on("end", () => {
      const item = { path: req.url ?? "", body: JSON.parse(raw) as Json };
      bodies.push(item);
      for (const w of waiters.filter((w) => w.path === item.path)) w.resolve(item.body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    bodies,
    next(path: string): Promise<Json> {
      const found = bodies.find((b) => b.path === path);
      if (found) return Promise.resolve(found.body);
      return new Promise((resolve) => waiters.push({ path, resolve }));
    },
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe("webhook callbacks (Ryvos callback_url)", () => {
  let env: ClaudeGateway;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const wake = (body: Json) =>
    fetch(`${env.gw.url}/api/hooks/wake`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    receiver = await startReceiver();
    env = await startClaudeGateway(reply, "hooks:\n  callback_hosts: [ci.example.invalid]\n");
  });

  afterAll(async () => {
    await env?.close();
    await receiver?.close();
  });

  it("POSTs the final response and the metadata to the callback URL when the run ends", async () => {
    const res = await wake({
      prompt: "run the build",
      metadata: { project: "ryvos-core", commit: "a1b2c3d" },
      callback_url: `${receiver.url}/ryvos-done?token=abc123`,
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as Json;
    const body = await receiver.next("/ryvos-done?token=abc123");
    expect(body).toMatchObject({
      response: "Build completed. 142 tests passed.",
      metadata: { project: "ryvos-core", commit: "a1b2c3d" },
      run_id: accepted.run_id,
      status: "succeeded",
    });
    expect(typeof body.session_id).toBe("string");
    expect(body).not.toHaveProperty("error");
  });

  it("sends `error` in place of `response` when the run fails", async () => {
    const res = await wake({ prompt: "FAIL_NOW please", callback_url: `${receiver.url}/failed` });
    expect(res.status).toBe(202);
    const body = await receiver.next("/failed");
    expect(body.status).toBe("failed");
    expect(typeof body.error).toBe("string");
    expect(body).not.toHaveProperty("response");
    expect(body).not.toHaveProperty("metadata");
  });

  it("refuses non-http(s) URLs and hosts that are neither loopback nor configured", async () => {
    for (const url of ["file:///etc/passwd", "ftp://127.0.0.1/x", "not a url", "http://user:pw@127.0.0.1/"]) {
      const res = await wake({ prompt: "x", callback_url: url });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_CALLBACK_URL" });
    }
    for (const url of ["http://169.254.169.254/latest/meta-data", "https://example.com/hook"]) {
      const res = await wake({ prompt: "x", callback_url: url });
      expect(res.status).toBe(400);
      const error = (await res.json()) as Json;
      expect(error.code).toBe("INVALID_CALLBACK_URL");
      expect(error.error).toContain("hooks.callback_hosts");
    }
    // Nothing was queued for the refused wakes.
    const queued = (await (await fetch(`${env.gw.url}/api/queue?source=webhook`)).json()) as Json;
    expect((queued.jobs as Json[]).every((j) => j.prompt !== "x")).toBe(true);
  });

  it("accepts a host listed in gateway.yaml hooks.callback_hosts", async () => {
    const res = await wake({ prompt: "x allowed", callback_url: "https://ci.example.invalid/done" });
    expect(res.status).toBe(202);
  });
});
