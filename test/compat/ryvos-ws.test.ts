// Follows Ryvos's WebSocket dialect and its web UI client: Ryvos/ryvos
// crates/ryvos-gateway/src/protocol.rs and crates/ryvos-gateway/src/connection.rs (request/response/event
// frames; agent.send, agent.cancel, session.list, session.history, approval.respond; -32700 for a frame
// that is not JSON, answered with id "0"; soft method errors in `result.error`),
// crates/ryvos-gateway/ui-src/src/lib/ws.js (sendWs(method, params) and the `event.kind` it renders:
// text_delta, tool_start, tool_end, run_complete...) and docs/api/gateway-websocket.md. Runs go through the
// real Claude Code CLI against the local Anthropic stub.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { jsonClient, openWs, type WsClient } from "../helpers/clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

type Frame = WsClient["frames"][number];
type RyvosEvent = { kind: string; text?: string; tool?: string; data?: Record<string, unknown> };

const lastUserText = (body: MessagesRequest) =>
  contentText(body.messages.findLast((m) => m.role === "user")?.content);

/** Marker words in the prompt choose the stub's answer (Claude Code adds text of its own to the turn). */
function reply(body: MessagesRequest) {
  if (toolResults(body).length > 0)
    return { text: "The command ran.", usage: { input_tokens: 40, output_tokens: 6 } };
  const prompt = lastUserText(body);
  if (prompt.includes("RUN_TOOL"))
    return { toolUse: { name: "Bash", input: { command: "echo ryvos > proof.txt", description: "proof" } } };
  if (prompt.includes("HANG_NOW")) return { text: "Working on it", hang: true };
  return { text: "Hello from the stub model.", chunks: 4, usage: { input_tokens: 25, output_tokens: 9 } };
}

describe("/ws in Ryvos's RPC dialect, through the real Claude Code CLI", () => {
  let home: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;
  const opened: WsClient[] = [];
  const { post } = jsonClient(() => gw.url);
  let nextId = 1;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-ryvos-"));
    await configureRealClaudeHome(home, 120);
    stub = await startAnthropicStub((body) => reply(body));
    gw = await startGateway({
      port: 0,
      env: realClaudeEnv(home, stub.url),
    });
    const created = await post("/api/agent", {
      name: "Claude",
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: "bypassPermissions",
    });
    expect(created.status).toBe(201);
    // Ryvos's client names no agent: runs go to the default one.
    const res = await fetch(`${gw.url}/api/agent/default`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: "claude" }),
    });
    expect(res.status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(opened.map((ws) => ws.close()));
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  async function connect(): Promise<WsClient> {
    const ws = await openWs(`${gw.url.replace(/^http/, "ws")}/ws`);
    opened.push(ws);
    return ws;
  }

  /** ws.js's sendWs(): a request frame; resolves with its response frame. */
  function request(ws: WsClient, method: string, params: Record<string, unknown> = {}, timeoutMs = 90_000) {
    const id = String(nextId++);
    ws.send({ type: "request", id, method, params });
    return ws.waitFor((f) => f.type === "response" && f.id === id, timeoutMs);
  }

  const events = (ws: WsClient, sessionId: string) =>
    ws.frames
      .filter((f) => f.type === "event" && f.session_id === sessionId)
      .map((f) => f.event as RyvosEvent);

  it("agent.send streams text_delta and run events, then answers with the response", async () => {
    const ws = await connect();
    const response = await request(ws, "agent.send", { message: "say hello" });
    const result = response.result as Record<string, unknown>;
    expect(result).toMatchObject({ response: "Hello from the stub model.", status: "completed" });
    const sessionId = result.session_id as string;
    expect(sessionId).toEqual(expect.any(String));

    // Every event of the run was pushed before the response frame.
    const pushed = events(ws, sessionId);
    const kinds = pushed.map((e) => e.kind);
    expect(kinds[0]).toBe("run_started");
    expect(kinds.at(-1)).toBe("run_complete");
    expect(
      pushed
        .filter((e) => e.kind === "text_delta")
        .map((e) => e.text)
        .join(""),
    ).toBe("Hello from the stub model.");
    expect(pushed.at(-1)!.data).toMatchObject({ input_tokens: 25, output_tokens: 9 });
    const completeIndex = ws.frames.findIndex(
      (f) =>
        f.type === "event" && f.session_id === sessionId && (f.event as RyvosEvent).kind === "run_complete",
    );
    expect(completeIndex).toBeLessThan(ws.frames.indexOf(response));

    // session.list and session.history see the conversation.
    const list = (await request(ws, "session.list")).result as { sessions: string[] };
    expect(list.sessions).toContain(sessionId);
    const history = (await request(ws, "session.history", { session_id: sessionId })).result as {
      messages: { role: string; text: string; timestamp: string }[];
    };
    expect(history.messages.map((m) => [m.role, m.text])).toEqual([
      ["user", "say hello"],
      ["assistant", "Hello from the stub model."],
    ]);
  }, 120_000);

  it("pushes tool_start and tool_end for a tool call, in the session the client named", async () => {
    const ws = await connect();
    const response = await request(ws, "agent.send", { session_id: "ryvos-tools", message: "RUN_TOOL now" });
    expect(response.result).toMatchObject({ session_id: "ryvos-tools", response: "The command ran." });
    const pushed = events(ws, "ryvos-tools");
    const start = pushed.find((e) => e.kind === "tool_start")!;
    expect(start).toMatchObject({ tool: "Bash", data: { command: "echo ryvos > proof.txt" } });
    const end = pushed.find((e) => e.kind === "tool_end")!;
    expect(end).toMatchObject({ tool: "Bash", data: { is_error: false } });
    expect(existsSync(join(home, "proof.txt"))).toBe(true);
  }, 120_000);

  it("agent.cancel stops the connection's run; the send answers with the stop", async () => {
    const ws = await connect();
    const id = String(nextId++);
    ws.send({
      type: "request",
      id,
      method: "agent.send",
      params: { session_id: "ryvos-hang", message: "HANG_NOW" },
    });
    await ws.waitFor(
      (f) =>
        f.type === "event" && f.session_id === "ryvos-hang" && (f.event as RyvosEvent).kind === "text_delta",
      90_000,
    );
    const cancelled = await request(ws, "agent.cancel");
    expect(cancelled.result).toEqual({ cancelled: true, sessions: ["ryvos-hang"] });
    const sent = await ws.waitFor((f: Frame) => f.type === "response" && f.id === id, 60_000);
    expect(sent.result).toMatchObject({
      session_id: "ryvos-hang",
      status: "stopped",
      error: expect.any(String),
    });
    expect(events(ws, "ryvos-hang").at(-1)!.kind).toBe("run_error");
  }, 120_000);

  it("answers bad requests as Ryvos does: parse errors with id 0, soft errors in result", async () => {
    const ws = await connect();
    expect((await request(ws, "agent.send", {})).result).toMatchObject({
      error: expect.stringMatching(/message is required/),
    });
    expect((await request(ws, "no.such")).result).toMatchObject({ error: "Unknown method: no.such" });
    expect((await request(ws, "session.history", {})).result).toMatchObject({
      error: expect.stringContaining("session_id"),
    });
    const approval = await request(ws, "approval.respond", { request_id: "apr-1", approved: true });
    expect(approval.result).toMatchObject({
      // Nothing is pending under that id: Ryvos's `resolved: false`, with our code beside it.
      resolved: false,
      code: "APPROVAL_NOT_FOUND",
      error: expect.stringContaining("apr-1"),
    });
    ws.sendRaw("not json");
    const parse = await ws.waitFor((f) => f.type === "response" && f.id === "0");
    expect(parse.error).toMatchObject({ code: -32700 });
    ws.send({ type: "request", method: "session.list" });
    const invalid = await ws.waitFor(
      (f) => f.type === "response" && (f.error as { code?: number })?.code === -32600,
    );
    expect(invalid.id).toBe("0");
  });
});
