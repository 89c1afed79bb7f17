/*
 * The original Viben desktop client's session and run calls, transcribed, against a real gateway on
 * port 0 driving the real Claude Code CLI, which talks to a local Anthropic stub.
 * Follows LinXueyuanStdio/viben:
 *   apps/desktop/src/lib/gateway/modules/sessions.ts (the /api/agents/:id/sessions family: list, get,
 *     create, updateSession, delete, messages, ui-messages, appendMessage, clearSessionMessages),
 *   apps/desktop/src/lib/gateway/modules/agent-execution.ts (spawnAgentStream: `Accept: text/event-stream`,
 *     `data:` frames until `[DONE]`; stopAgent: POST /api/agent/stop/:sessionId),
 *   apps/desktop/src/lib/gateway/types/session.ts (FileSession, UIMessage, CreateFileSessionRequest),
 *   apps/desktop/src/lib/gateway/types/sse.ts (SSEMessageEvent),
 *   packages/core/src/gateway/routes/agents.ts (the server's session routes).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
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
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

type Json = Record<string, unknown>;

function reply(body: MessagesRequest) {
  if (toolResults(body).length > 0)
    return { text: "Wrote the file.", usage: { input_tokens: 30, output_tokens: 5 } };
  const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
  if (prompt.includes("RUN_TOOL")) {
    return {
      toolUse: { name: "Bash", input: { command: "echo compat > proof.txt", description: "write proof" } },
    };
  }
  if (prompt.includes("HANG_NOW")) return { text: "Thinking hard", hang: true };
  return { text: "Hello from the stub.", chunks: 3, usage: { input_tokens: 20, output_tokens: 4 } };
}

/** spawnAgentStream as the client reads it: lines starting `data: `, JSON each, until `[DONE]`. */
async function* spawnAgentStream(baseUrl: string, agentId: string, request: Json): AsyncGenerator<Json> {
  const response = await fetch(`${baseUrl}/api/agent/${encodeURIComponent(agentId)}/spawn`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(request),
  });
  if (!response.ok) throw new Error(`Failed to spawn agent: ${response.status} ${await response.text()}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data) as Json;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

describe("the original Viben desktop client's sessions and runs, with the real Claude Code", () => {
  let home: string;
  let workdir: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const sessionsOf = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}/sessions`;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-compat-sessions-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await configureRealClaudeHome(home, 120);
    stub = await startAnthropicStub((body) => reply(body));
    gw = await startGateway({
      port: 0,
      env: realClaudeEnv(home, stub.url),
    });
    const created = await call("POST", "/api/agent", {
      name: "Claude",
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: "bypassPermissions",
    });
    expect(created.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("creates, updates, lists and deletes sessions with the client's bodies", async () => {
    const created = await call("POST", sessionsOf("claude"), { prompt: "Plan the week", task_id: "task-7" });
    expect(created.status).toBe(201);
    const session = created.body;
    expect(session).toMatchObject({
      agent_id: "claude",
      task_id: "task-7",
      prompt: "Plan the week",
      status: "idle",
      metadata: {},
    });
    expect(typeof session.updated_at).toBe("string");
    const id = session.id as string;

    const updated = await call("PATCH", `${sessionsOf("claude")}/${id}`, { metadata: { starred: true } });
    expect(updated.body).toMatchObject({ id, metadata: { starred: true } });

    const listed = await call("GET", sessionsOf("claude"));
    expect((listed.body.sessions as Json[]).map((s) => s.id)).toContain(id);
    expect((await call("GET", `${sessionsOf("claude")}/${id}`)).body).toMatchObject({ task_id: "task-7" });

    const appended = await call("POST", `${sessionsOf("claude")}/${id}/messages`, {
      role: "user",
      content: "note",
    });
    expect(appended.status).toBe(201);
    expect((await call("GET", `${sessionsOf("claude")}/${id}/messages`)).body).toMatchObject({ total: 1 });
    expect((await call("DELETE", `${sessionsOf("claude")}/${id}/messages`)).status).toBe(200);
    expect((await call("GET", `${sessionsOf("claude")}/${id}/messages`)).body).toMatchObject({
      messages: [],
      total: 0,
    });

    expect((await call("DELETE", `${sessionsOf("claude")}/${id}`)).body).toMatchObject({ deleted: id });
    expect((await call("GET", `${sessionsOf("claude")}/${id}`)).status).toBe(404);
  });

  it("streams a spawn with a tool call as the client's frames, then shows it as typed UI blocks", async () => {
    const frames: Json[] = [];
    for await (const frame of spawnAgentStream(gw.url, "claude", { prompt: "RUN_TOOL please", workdir })) {
      frames.push(frame);
    }
    expect(frames[0]).toMatchObject({ type: "session" });
    const sessionId = frames[0]!.sessionId as string;
    const types = frames.map((f) => f.type);
    expect(types).toContain("tool_use");
    expect(types).toContain("tool_result");
    expect(types).toContain("text");
    expect(types.at(-2)).toBe("result");
    expect(frames.at(-1)).toEqual({ type: "done", sessionId });
    const toolUse = frames.find((f) => f.type === "tool_use")!;
    expect(toolUse).toMatchObject({ name: "Bash", input: { command: "echo compat > proof.txt" } });
    expect(frames.find((f) => f.type === "tool_result")).toMatchObject({
      toolUseId: toolUse.id,
      isError: false,
    });
    expect(existsSync(join(workdir, "proof.txt"))).toBe(true);

    const ui = await call("GET", `${sessionsOf("claude")}/${sessionId}/ui-messages`);
    const blocks = ui.body.messages as Json[];
    expect(ui.body.total).toBe(blocks.length);
    expect(blocks.map((b) => b.type)).toEqual(["user", "tool_use", "tool_result", "text"]);
    expect(blocks[1]).toMatchObject({ tool_name: "Bash", tool_use_id: toolUse.id });
    expect(blocks[3]).toMatchObject({ content: "Wrote the file." });
    const messages = await call("GET", `${sessionsOf("claude")}/${sessionId}/messages`);
    expect((messages.body.messages as Json[]).find((m) => m.role === "tool")).toMatchObject({
      tool_result: { tool_use_id: toolUse.id, is_error: false },
    });
  });

  it("stops a streaming run with POST /api/agent/stop/:sessionId", async () => {
    const stream = spawnAgentStream(gw.url, "claude", { prompt: "HANG_NOW", workdir });
    const first = await stream.next();
    const sessionId = (first.value as Json).sessionId as string;
    // The model has been asked (the stub holds its answer open), so the run is under way.
    await expect
      .poll(() => stub.requests.some((r) => JSON.stringify(r.messages).includes("HANG_NOW")))
      .toBe(true);
    const stopped = await call("POST", `/api/agent/stop/${encodeURIComponent(sessionId)}`);
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({ success: true, sessionId, stopped: true });
    const rest: Json[] = [];
    for await (const frame of stream) rest.push(frame);
    expect(rest.map((f) => f.type)).toContain("error");
    expect(rest.at(-1)).toEqual({ type: "done", sessionId });
    const missing = await call("POST", "/api/agent/stop/no-such-session");
    expect(missing.status).toBe(404);
  });
});
