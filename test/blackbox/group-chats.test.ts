// Group chats against a real gateway, with the real Claude Code and Codex CLIs answering from local model
// stubs: each orchestration mode streamed over the session's WebSocket, and a stop mid-turn.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { type AnthropicStub, contentText, startAnthropicStub } from "../fixtures/anthropic-stub.js";
import { messageTexts, type ResponsesStub, startResponsesStub } from "../fixtures/openai-responses-stub.js";
import { openWs, type WsClient } from "../helpers/clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "../helpers/real-claude-home.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

// biome-ignore lint/suspicious/noExplicitAny: the answers are read field by field, as a client would.
type Loose = any;

let home: string;
let gw: RunningGateway;
let claudeStub: AnthropicStub;
let codexStub: ResponsesStub;

async function request(method: string, path: string, body?: unknown) {
  const response = await fetch(`${gw.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Loose };
}

/** A chat of the Claude Code agent and the Codex agent in the given mode, a session, and its socket. */
async function openChat(
  orchestration: Record<string, unknown>,
  limits: Record<string, unknown> = {},
): Promise<{ ws: WsClient; chatId: string; sessionId: string }> {
  const chat = await request("POST", "/api/group-chats", {
    name: `Pair ${String(orchestration.mode)}`,
    workspace_path: join(home, "project"),
    members: ["claude", "codex"],
    orchestration,
    limits,
  });
  expect(chat.status, JSON.stringify(chat.body)).toBe(201);
  const session = await request(
    "POST",
    `/api/group-chats/${chat.body.id}/sessions?workspace_path=${encodeURIComponent(join(home, "project"))}`,
    {},
  );
  expect(session.status).toBe(201);
  const ws = await openWs(
    `${gw.url.replace("http", "ws")}/api/group-chats/${chat.body.id}/sessions/${session.body.id}/ws?workspace_path=${encodeURIComponent(join(home, "project"))}`,
  );
  await ws.waitFor((f) => f.type === "connected");
  return { ws, chatId: chat.body.id, sessionId: session.body.id };
}

const ended = (ws: WsClient) => ws.waitFor((f) => f.type === "orchestration_complete", 90_000);
const byAgent = (ws: WsClient, type: string, agent: string) =>
  ws.frames.filter((f) => f.type === type && f.agent_id === agent);

/** A process that still runs (zombies, which only wait for their parent to reap them, do not count). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), "viben-group-chats-"));
  await mkdir(join(home, "project"));
  await mkdir(join(home, ".codex"));
  await configureRealClaudeHome(home, 120);
  claudeStub = await startAnthropicStub((body) => {
    // The whole conversation: Claude Code may put reminders of its own after the prompt.
    const prompt = body.messages.map((m) => contentText(m.content)).join("\n");
    if (prompt.includes("You coordinate")) {
      return prompt.includes("CODEX SAYS 42")
        ? { text: '{"done": true, "reason": "codex answered"}' }
        : {
            text: 'Here is my pick:\n```json\n{"next": "@codex", "instruction": "What is six times seven?"}\n```',
          };
    }
    // Streams its first words, then never finishes: the turn a stop interrupts.
    if (prompt.includes("HANG")) return { text: "thinking it over", hang: true };
    return { text: "hello from claude, over to @codex" };
  });
  codexStub = await startResponsesStub(() => ({ text: "CODEX SAYS 42" }));
  const codexEnv = await configureRealCodexHome(home, codexStub.url);
  gw = await startGateway({ port: 0, env: { ...realClaudeEnv(home, claudeStub.url), ...codexEnv } });
  for (const [name, executor] of [
    ["claude", "CLAUDE_CODE"],
    ["codex", "CODEX"],
  ]) {
    const agent = await request("POST", "/api/agent", { name, executor_type: executor });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
  }
});

afterAll(async () => {
  await gw?.close();
  await claudeStub?.close();
  await codexStub?.close();
  await rm(home, { recursive: true, force: true });
});

describe("group chats with real Claude Code and Codex agents", () => {
  it("round robin: both answer in turn over the group WebSocket, Codex seeing Claude's reply", async () => {
    const { ws, chatId, sessionId } = await openChat({ mode: "round_robin" });
    ws.send({ type: "send_message", content: "Say hello, both of you", sender_name: "Ann" });
    const accepted = await ws.waitFor((f) => f.type === "message_accepted");
    expect(accepted.agents_triggered).toEqual(["claude", "codex"]);
    const end = await ended(ws);
    expect(end).toMatchObject({ reason: "max_turns", turns: 2 });

    // Every member's own run events came through, tagged with the member.
    for (const agent of ["claude", "codex"]) {
      expect(byAgent(ws, "run_started", agent)).toHaveLength(1);
      expect(byAgent(ws, "run_complete", agent)).toHaveLength(1);
    }
    expect(byAgent(ws, "delta", "claude").length).toBeGreaterThan(0);
    expect(byAgent(ws, "agent_response", "claude")[0]!.content).toBe("hello from claude, over to @codex");
    expect(byAgent(ws, "agent_response", "codex")[0]!.content).toBe("CODEX SAYS 42");
    // Codex's prompt carried the conversation so far.
    const codexPrompt = messageTexts(codexStub.requests.at(-1)!).join("\n");
    expect(codexPrompt).toContain("Ann (user): Say hello, both of you");
    expect(codexPrompt).toContain("@claude: hello from claude, over to @codex");

    const ws_ = encodeURIComponent(join(home, "project"));
    const page = await request(
      "GET",
      `/api/group-chats/${chatId}/sessions/${sessionId}/messages?workspace_path=${ws_}`,
    );
    expect(page.body.messages.map((m: Loose) => m.type)).toEqual([
      "user",
      "agent_response",
      "agent_response",
    ]);
    await ws.close();
  });

  it("@mention routing: the user names Claude, whose @codex hands Codex the next turn", async () => {
    const { ws } = await openChat({ mode: "mention" });
    ws.send({ type: "chat", message: "@claude start please" });
    expect((await ws.waitFor((f) => f.type === "message_accepted")).agents_triggered).toEqual(["claude"]);
    expect(await ended(ws)).toMatchObject({ reason: "no_mention", turns: 2 });
    expect(ws.frames.filter((f) => f.type === "agent_response").map((f) => f.agent_id)).toEqual([
      "claude",
      "codex",
    ]);
    await ws.close();
  });

  it("coordinator: Claude picks Codex from a fenced JSON answer, then says the goal is met", async () => {
    const { ws } = await openChat({
      mode: "coordinator",
      coordinator_agent_id: "claude",
      goal: "Multiply six by seven",
    });
    ws.send({ type: "send_message", content: "Let's get the product" });
    const end = await ended(ws);
    expect(end, JSON.stringify(ws.frames.filter((f) => f.type !== "delta")).slice(0, 6000)).toMatchObject({
      reason: "goal_met",
      turns: 1,
    });
    const decisions = ws.frames.filter((f) => f.type === "coordinator_decision");
    expect(decisions.map((d) => [d.next, d.done])).toEqual([
      ["codex", false],
      [null, true],
    ]);
    expect(ws.frames.filter((f) => f.type === "agent_response").map((f) => [f.agent_id, f.content])).toEqual([
      ["codex", "CODEX SAYS 42"],
    ]);
    await ws.close();
  });

  it("a stop frame mid-turn stops the running member and leaves no process behind", async () => {
    const { ws, chatId, sessionId } = await openChat({ mode: "round_robin" });
    ws.send({ type: "send_message", content: "please HANG for a while" });
    const started = await ws.waitFor(
      (f) => f.type === "member_run_started" && f.agent_id === "claude",
      60_000,
    );
    const pid = started.pid as number;
    await ws.waitFor((f) => f.type === "delta" && f.agent_id === "claude", 60_000);
    expect(alive(pid)).toBe(true);

    ws.send({ type: "stop" });
    expect(await ws.waitFor((f) => f.type === "stopped", 60_000)).toMatchObject({ stopped: true });
    expect(await ended(ws)).toMatchObject({ reason: "stopped", turns: 1 });
    expect(alive(pid)).toBe(false);
    // Codex never got its turn; the session is idle and the stopped answer is on record.
    expect(byAgent(ws, "member_run_started", "codex")).toHaveLength(0);
    const wsPath = encodeURIComponent(join(home, "project"));
    const session = await request(
      "GET",
      `/api/group-chats/${chatId}/sessions/${sessionId}?workspace_path=${wsPath}`,
    );
    expect(session.body).toMatchObject({ active: false, turns: 1 });
    const run = await request("GET", `/api/runs/${started.run_id}`);
    expect(run.body.status).toBe("stopped");
    await ws.close();
  });
});
