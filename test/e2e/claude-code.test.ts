import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { isAlive, processTree } from "../../runtime/runs/process-tree.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { type Json, jsonClient, openSse, openWs } from "../helpers/clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";

const lastUserText = (body: MessagesRequest) =>
  contentText(body.messages.findLast((m) => m.role === "user")?.content);

/**
 * The stub's behaviour is chosen by marker words in the prompt (Claude Code adds its own text to the user
 * turn, so the markers must not be ordinary words), so one stub serves every test.
 */
function reply(body: MessagesRequest) {
  if (toolResults(body).length > 0)
    return { text: "The command ran.", usage: { input_tokens: 40, output_tokens: 6 } };
  const prompt = lastUserText(body);
  if (prompt.includes("RUN_TOOL")) {
    return {
      toolUse: {
        name: "Bash",
        input: { command: "echo from-gateway > proof.txt", description: "write proof" },
      },
    };
  }
  if (prompt.includes("HANG_NOW")) return { text: "Working on it", hang: true };
  return { text: "Hello from the stub model.", chunks: 4, usage: { input_tokens: 25, output_tokens: 9 } };
}

describe("the real Claude Code CLI through the gateway, against a local Anthropic stub", () => {
  let home: string;
  let workdir: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;
  const { post } = jsonClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-claude-"));
    workdir = join(home, "project");
    await mkdir(workdir);
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
      append_prompt: "Always answer in one sentence.",
      permission_mode: "bypassPermissions",
    });
    expect(created.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("streams text with usage to SSE and WebSocket, persists it, and resumes the conversation", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=claude`);
    const ws = await openWs(`${gw.url.replace("http", "ws")}/ws`);
    ws.send({ type: "subscribe", agent_id: "claude" });
    await ws.waitFor((f) => f.type === "subscribed");

    const spawned = await post("/api/agent/claude/spawn", { prompt: "remember the word banana", workdir });
    expect(spawned.status).toBe(200);
    const sessionId = spawned.body.session_id as string;
    const done = await sse.waitFor((e) => e.type === "run_complete" && e.session_id === sessionId, 60_000);
    await ws.waitFor((e) => e.type === "run_complete" && e.session_id === sessionId, 10_000);
    expect(done.tokens).toEqual({ input: 25, output: 9 });
    expect(done.cost_cents).toBeGreaterThan(0);
    expect(done.response).toBe("Hello from the stub model.");
    const deltas = sse.events.filter((e) => e.type === "delta" && e.session_id === sessionId);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.content).join("")).toBe("Hello from the stub model.");
    const seqs = (frames: Json[]) => frames.filter((f) => f.session_id === sessionId).map((f) => f.seq);
    expect(seqs(ws.frames)).toEqual(seqs(sse.events));

    // The agent's model and appended prompt reached the CLI's request.
    const first = stub.requests.at(-1)!;
    expect(first.model).toBe("claude-sonnet-4-5");
    expect(JSON.stringify(first.system)).toContain("Always answer in one sentence.");

    const ui = (await (
      await fetch(`${gw.url}/api/agent/claude/sessions/${sessionId}/ui-messages`)
    ).json()) as Json;
    expect(ui.messages).toMatchObject([
      { role: "user", content: "remember the word banana" },
      { role: "assistant", content: "Hello from the stub model." },
    ]);

    const again = await post("/api/agent/claude/spawn", {
      prompt: "what was the word?",
      workdir,
      session_id: sessionId,
    });
    expect(again.body.session_id).toBe(sessionId);
    await sse.waitFor((e) => e.type === "run_complete" && e.run_id === again.body.run_id, 60_000);
    const resumed = stub.requests.at(-1)!;
    const transcript = resumed.messages.map((m) => contentText(m.content)).join("\n");
    expect(transcript).toContain("remember the word banana");
    expect(transcript).toContain("Hello from the stub model.");
    expect(transcript).toContain("what was the word?");
    sse.close();
    await ws.close();
  }, 120_000);

  it("runs a Bash tool round trip for real in the workdir", async () => {
    const chat = await post("/api/chat", { message: "RUN_TOOL please", agent_id: "claude", workdir });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ response: "The command ran.", tools_used: ["Bash"] });
    expect((chat.body.tokens as Json).output).toBeGreaterThan(0);
    expect(await readFile(join(workdir, "proof.txt"), "utf8")).toBe("from-gateway\n");
    const last = stub.requests.at(-1)!;
    expect(toolResults(last)).toHaveLength(1);
    const messages = (await (
      await fetch(`${gw.url}/api/agent/claude/sessions/${chat.body.session_id}/messages`)
    ).json()) as { messages: Json[] };
    expect(messages.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(messages.messages[1]).toMatchObject({ tool_calls: [{ name: "Bash" }] });
  }, 120_000);

  it("stops a run in the middle and leaves no process behind", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=claude`);
    const spawned = await post("/api/agent/claude/spawn", { prompt: "HANG_NOW please", workdir });
    const sessionId = spawned.body.session_id as string;
    const pid = spawned.body.pid as number;
    await sse.waitFor((e) => e.type === "delta" && e.session_id === sessionId, 60_000);
    const tree = await processTree(pid);
    expect(tree.length).toBeGreaterThanOrEqual(1);
    const stopped = await post("/api/agent/claude/stop", { session_id: sessionId });
    expect(stopped.body).toEqual({ success: true, stopped: true });
    const error = await sse.waitFor((e) => e.type === "run_error" && e.session_id === sessionId);
    expect(error.code).toBe("RUN_STOPPED");
    for (const p of tree) expect(await isAlive(p)).toBe(false);
    expect(() => process.kill(-pid, 0)).toThrow();
    expect(existsSync(join(workdir, "proof.txt"))).toBe(true);
    sse.close();
  }, 120_000);
});
