/*
 * The Agent Client Protocol on /ws/agent/acp, driven by the protocol's own client (ClientSideConnection of
 * @agentclientprotocol/sdk) over a real WebSocket, the real Claude Code CLI behind it against the local
 * Anthropic stub. It follows the original Viben server's route and its test:
 *   LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-acp.ts (path, `acp.v1` subprotocol,
 *     newline-terminated frames, agentInfo name "viben", loadSession + session list capabilities)
 *   LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-acp.integration.test.ts (initialize,
 *     session/new with a cwd, JSON-RPC errors for what is not found)
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionNotification } from "@agentclientprotocol/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { type AcpTestClient, connectAcp } from "../helpers/acp-client.js";
import { type Json, jsonClient, openSse, openWs } from "../helpers/clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

const lastUserText = (body: MessagesRequest) =>
  contentText(body.messages.findLast((m) => m.role === "user")?.content);

/** Marker words in the prompt choose the stub's answer (Claude Code adds its own text to the turn). */
function reply(body: MessagesRequest) {
  if (toolResults(body).length > 0)
    return { text: "The command ran.", usage: { input_tokens: 40, output_tokens: 6 } };
  const prompt = lastUserText(body);
  if (prompt.includes("RUN_TOOL")) {
    return {
      toolUse: {
        name: "Bash",
        input: { command: "echo from-acp > proof.txt", description: "write proof" },
      },
    };
  }
  if (prompt.includes("ASK_PERM")) {
    const file = prompt.includes("ASK_PERM_B") ? "perm-b.txt" : "perm-a.txt";
    return {
      toolUse: { name: "Bash", input: { command: `echo allowed > ${file}`, description: `write ${file}` } },
    };
  }
  if (prompt.includes("HANG_NOW")) return { text: "Working on it", hang: true };
  return { text: "Hello from the stub model.", chunks: 4, usage: { input_tokens: 25, output_tokens: 9 } };
}

type Update = SessionNotification["update"];
const ofSession = (client: AcpTestClient, sessionId: string): Update[] =>
  client.updates.items.filter((n) => n.sessionId === sessionId).map((n) => n.update);
const chunkText = (updates: Update[], kind: "agent_message_chunk" | "user_message_chunk") =>
  updates
    .filter((u) => u.sessionUpdate === kind)
    .map((u) => (u as { content: { type: string; text?: string } }).content.text ?? "")
    .join("");

describe("ACP over /ws/agent/acp with the SDK's client and the real Claude Code CLI", () => {
  let home: string;
  let workdir: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;
  let acpUrl: string;
  const { post } = jsonClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-acp-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await configureRealClaudeHome(home, 120);
    stub = await startAnthropicStub((body) => reply(body));
    gw = await startGateway({
      port: 0,
      env: realClaudeEnv(home, stub.url),
    });
    acpUrl = `${gw.url.replace("http", "ws")}/ws/agent/acp`;
    const created = await post("/api/agent", {
      name: "Claude",
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: "bypassPermissions",
    });
    expect(created.status).toBe(201);
    const setDefault = await fetch(`${gw.url}/api/agent/default`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent_id: "claude" }),
    });
    expect(setDefault.status).toBe(200);
    // Permission mode `default`: Claude Code asks before running Bash, and the client is asked in turn.
    const asking = await post("/api/agent", {
      id: "claude-ask",
      name: "Claude (asks)",
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: "default",
    });
    expect(asking.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("initializes, opens a session on the default agent, streams a prompt's chunks and ends the turn", async () => {
    const client = await connectAcp(acpUrl);
    try {
      const init = await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      expect(init).toMatchObject({
        protocolVersion: 1,
        agentInfo: { name: "viben" },
        agentCapabilities: { loadSession: true, sessionCapabilities: { list: {} } },
      });

      const { sessionId } = await client.agent.newSession({ cwd: workdir, mcpServers: [] });
      // An ACP session is a gateway session.
      const stored = (await (await fetch(`${gw.url}/api/sessions/${sessionId}`)).json()) as Json;
      expect(stored).toMatchObject({ id: sessionId, agent_id: "claude", workdir });

      const answer = await client.agent.prompt({
        sessionId,
        prompt: [{ type: "text", text: "remember the word banana" }],
      });
      expect(answer.stopReason).toBe("end_turn");
      expect(answer.usage).toMatchObject({ inputTokens: 25, outputTokens: 9, totalTokens: 34 });
      const chunks = ofSession(client, sessionId).filter((u) => u.sessionUpdate === "agent_message_chunk");
      expect(chunks.length).toBeGreaterThan(1);
      expect(chunkText(chunks, "agent_message_chunk")).toBe("Hello from the stub model.");

      // The next prompt is a new run of the same session, resumed with Claude Code's own session id.
      const before = stub.requests.length;
      const again = await client.agent.prompt({
        sessionId,
        prompt: [{ type: "text", text: "what was the word?" }],
      });
      expect(again.stopReason).toBe("end_turn");
      const resumed = stub.requests.slice(before).find((r) => lastUserText(r).includes("what was the word?"));
      expect(JSON.stringify(resumed?.messages)).toContain("remember the word banana");
    } finally {
      await client.close();
    }
  });

  it("reports a tool call as tool_call then tool_call_update, named by _meta.agent_id", async () => {
    const client = await connectAcp(acpUrl);
    try {
      await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await client.agent.newSession({
        cwd: workdir,
        mcpServers: [],
        _meta: { agent_id: "claude" },
      });
      const answer = await client.agent.prompt({
        sessionId,
        prompt: [{ type: "text", text: "RUN_TOOL please" }],
      });
      expect(answer.stopReason).toBe("end_turn");
      const updates = ofSession(client, sessionId);
      const call = updates.find((u) => u.sessionUpdate === "tool_call");
      expect(call).toMatchObject({
        sessionUpdate: "tool_call",
        kind: "execute",
        status: "in_progress",
        rawInput: { command: "echo from-acp > proof.txt" },
      });
      const toolCallId = (call as { toolCallId: string }).toolCallId;
      const done = updates.find((u) => u.sessionUpdate === "tool_call_update");
      expect(done).toMatchObject({ toolCallId, status: "completed" });
      expect(updates.indexOf(call!)).toBeLessThan(updates.indexOf(done!));
      expect(chunkText(updates, "agent_message_chunk")).toContain("The command ran.");
      expect((await readFile(join(workdir, "proof.txt"), "utf8")).trim()).toBe("from-acp");
    } finally {
      await client.close();
    }
  });

  it("forwards a tool's permission question as session/request_permission: allowed, the tool runs", async () => {
    const client = await connectAcp(acpUrl);
    try {
      await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await client.agent.newSession({
        cwd: workdir,
        mcpServers: [],
        _meta: { agent_id: "claude-ask" },
      });
      client.onPermission = "allow_once";
      const answer = await client.agent.prompt({ sessionId, prompt: [{ type: "text", text: "ASK_PERM_A" }] });
      expect(answer.stopReason).toBe("end_turn");
      expect(client.permissionRequests).toHaveLength(1);
      const asked = client.permissionRequests[0]!;
      expect(asked).toMatchObject({
        sessionId,
        toolCall: {
          kind: "execute",
          title: expect.stringContaining("perm-a.txt"),
          rawInput: { command: "echo allowed > perm-a.txt" },
        },
      });
      expect(asked.options.map((o) => o.optionId)).toEqual(["allow_once", "allow_always", "reject_once"]);
      // The permission names the same tool call the session updates report.
      const call = ofSession(client, sessionId).find((u) => u.sessionUpdate === "tool_call");
      expect(call).toMatchObject({ toolCallId: asked.toolCall.toolCallId });
      expect((await readFile(join(workdir, "perm-a.txt"), "utf8")).trim()).toBe("allowed");
    } finally {
      await client.close();
    }
  });

  it("forwards a tool's permission question: rejected, the tool does not run and the turn ends", async () => {
    const client = await connectAcp(acpUrl);
    try {
      await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await client.agent.newSession({
        cwd: workdir,
        mcpServers: [],
        _meta: { agent_id: "claude-ask" },
      });
      client.onPermission = "reject_once";
      const answer = await client.agent.prompt({ sessionId, prompt: [{ type: "text", text: "ASK_PERM_B" }] });
      expect(answer.stopReason).toBe("end_turn");
      expect(client.permissionRequests).toHaveLength(1);
      expect(existsSync(join(workdir, "perm-b.txt"))).toBe(false);
      const done = ofSession(client, sessionId).find((u) => u.sessionUpdate === "tool_call_update");
      expect(done).toMatchObject({ status: "failed" });
    } finally {
      await client.close();
    }
  });

  it("cancels a running prompt: the turn ends with stopReason cancelled", async () => {
    const client = await connectAcp(acpUrl);
    try {
      await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await client.agent.newSession({ cwd: workdir, mcpServers: [] });
      const turn = client.agent.prompt({ sessionId, prompt: [{ type: "text", text: "HANG_NOW" }] });
      await client.updates.waitFor(
        (n) => n.sessionId === sessionId && n.update.sessionUpdate === "agent_message_chunk",
        60_000,
      );
      await client.agent.cancel({ sessionId });
      expect((await turn).stopReason).toBe("cancelled");
      const session = (await (await fetch(`${gw.url}/api/sessions/${sessionId}`)).json()) as Json;
      expect(session.status).toBe("idle");
    } finally {
      await client.close();
    }
  });

  it("stops a prompt's run when its client goes away", async () => {
    const client = await connectAcp(acpUrl);
    await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
    const { sessionId } = await client.agent.newSession({ cwd: workdir, mcpServers: [] });
    const sse = await openSse(`${gw.url}/api/events?session_id=${sessionId}`);
    try {
      void client.agent.prompt({ sessionId, prompt: [{ type: "text", text: "HANG_NOW" }] }).catch(() => {});
      await client.updates.waitFor(
        (n) => n.sessionId === sessionId && n.update.sessionUpdate === "agent_message_chunk",
        60_000,
      );
      await client.close();
      const ended = await sse.waitFor((e) => e.type === "run_error" || e.type === "run_complete", 60_000);
      expect(ended.type).toBe("run_error");
      const session = (await (await fetch(`${gw.url}/api/sessions/${sessionId}`)).json()) as Json;
      expect(session).toMatchObject({ status: "idle", last_run: { status: "stopped" } });
    } finally {
      sse.close();
    }
  });

  it("lists gateway sessions and loads one by replaying its transcript", async () => {
    const first = await connectAcp(acpUrl);
    let sessionId: string;
    try {
      await first.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      ({ sessionId } = await first.agent.newSession({ cwd: workdir, mcpServers: [] }));
      await first.agent.prompt({ sessionId, prompt: [{ type: "text", text: "a turn to replay" }] });
    } finally {
      await first.close();
    }

    const second = await connectAcp(acpUrl);
    try {
      await second.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      const listed = await second.agent.listSessions({});
      const entry = listed.sessions.find((s) => s.sessionId === sessionId);
      expect(entry).toMatchObject({ cwd: workdir, title: "a turn to replay" });
      expect(entry?.updatedAt).toEqual(expect.any(String));
      const filtered = await second.agent.listSessions({ cwd: join(home, "elsewhere") });
      expect(filtered.sessions).toEqual([]);

      await second.agent.loadSession({ sessionId, cwd: workdir, mcpServers: [] });
      // Every replayed update arrives before the load's answer.
      const replay = ofSession(second, sessionId);
      expect(chunkText(replay, "user_message_chunk")).toBe("a turn to replay");
      expect(chunkText(replay, "agent_message_chunk")).toBe("Hello from the stub model.");

      // A loaded session takes prompts on the new connection.
      const answer = await second.agent.prompt({
        sessionId,
        prompt: [{ type: "text", text: "and one more" }],
      });
      expect(answer.stopReason).toBe("end_turn");
    } finally {
      await second.close();
    }
  });

  it("answers bad requests with JSON-RPC errors and stays usable", async () => {
    const client = await connectAcp(acpUrl);
    try {
      await client.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      await expect(
        client.agent.loadSession({ sessionId: "no-such-session", cwd: workdir, mcpServers: [] }),
      ).rejects.toMatchObject({ code: -32002, data: { code: "SESSION_NOT_FOUND" } });
      await expect(
        client.agent.prompt({ sessionId: "no-such-session", prompt: [{ type: "text", text: "hi" }] }),
      ).rejects.toMatchObject({ code: -32002 });
      await expect(
        client.agent.newSession({ cwd: workdir, mcpServers: [], _meta: { agent_id: "nobody" } }),
      ).rejects.toMatchObject({ code: -32002, data: { code: "AGENT_NOT_FOUND" } });
      await expect(client.agent.newSession({ cwd: "/", mcpServers: [] })).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining("workdir"),
      });
      const { sessionId } = await client.agent.newSession({ cwd: workdir, mcpServers: [] });
      await expect(
        client.agent.prompt({ sessionId, prompt: [{ type: "image", data: "AA==", mimeType: "image/png" }] }),
      ).rejects.toMatchObject({ code: -32602 });
    } finally {
      await client.close();
    }

    // Below the SDK: what a hand-written or broken client sends.
    const raw = await openWs(acpUrl);
    try {
      raw.sendRaw("this is not json");
      expect(await raw.waitFor((f) => (f as Json).error !== undefined)).toMatchObject({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32700 },
      });
      raw.sendRaw(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "session/unknown", params: {} }));
      expect(await raw.waitFor((f) => (f as Json).id === 7)).toMatchObject({ error: { code: -32601 } });
      raw.sendRaw(
        JSON.stringify({ jsonrpc: "2.0", id: 8, method: "session/new", params: { mcpServers: [] } }),
      );
      expect(await raw.waitFor((f) => (f as Json).id === 8)).toMatchObject({ error: { code: -32602 } });
      raw.sendRaw(JSON.stringify({ id: 9, params: {} }));
      expect(await raw.waitFor((f) => (f as Json).id === 9)).toMatchObject({ error: { code: -32600 } });
      raw.sendRaw("[1, 2]");
      expect(
        await raw.waitFor(
          (f) => ((f as Json).error as Json | undefined)?.code === -32600 && (f as Json).id === null,
        ),
      ).toMatchObject({ jsonrpc: "2.0" });
      // Still answering after all that.
      raw.sendRaw(
        JSON.stringify({ jsonrpc: "2.0", id: 10, method: "initialize", params: { protocolVersion: 1 } }),
      );
      expect(await raw.waitFor((f) => (f as Json).id === 10)).toMatchObject({
        result: { protocolVersion: 1, agentInfo: { name: "viben" } },
      });
    } finally {
      await raw.close();
    }
  });

  it("refuses a plain GET with the 426 envelope", async () => {
    const res = await fetch(`${gw.url}/ws/agent/acp`);
    expect(res.status).toBe(426);
    expect(await res.json()).toMatchObject({ code: "UPGRADE_REQUIRED" });
  });
});

describe("ACP with API keys configured", () => {
  let home: string;
  let gw: RunningGateway;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-acp-keys-"));
    await mkdir(join(home, ".viben"));
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "api_keys:\n  - {name: viewer, key: viewer-key-123, role: viewer}\n  - {name: ops, key: operator-key-123, role: operator}\n",
    );
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, VIBEN_LOG_LEVEL: "silent" },
    });
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("takes the key as ?token= and keeps session/new to operators", async () => {
    const url = `${gw.url.replace("http", "ws")}/ws/agent/acp`;
    await expect(connectAcp(url)).rejects.toThrow("upgrade refused: 401");

    const viewer = await connectAcp(`${url}?token=viewer-key-123`);
    try {
      await viewer.agent.initialize({ protocolVersion: 1, clientCapabilities: {} });
      expect(await viewer.agent.listSessions({})).toEqual({ sessions: [] });
      await expect(
        viewer.agent.newSession({ cwd: home, mcpServers: [], _meta: { agent_id: "CLAUDE_CODE" } }),
      ).rejects.toMatchObject({ code: -32000, data: { code: "FORBIDDEN_ROLE" } });
    } finally {
      await viewer.close();
    }

    const operator = await connectAcp(`${url}?token=operator-key-123`);
    try {
      const created = await operator.agent.newSession({
        cwd: home,
        mcpServers: [],
        _meta: { agent_id: "CLAUDE_CODE" },
      });
      expect(created.sessionId).toEqual(expect.any(String));
    } finally {
      await operator.close();
    }
  });
});
