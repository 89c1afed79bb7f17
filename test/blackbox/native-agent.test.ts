import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import { echoServerCommand } from "../fixtures/mcp-echo-server.js";
import {
  type ChatRequest,
  chatContentText,
  chatToolResults,
  type OpenAIChatStub,
  startOpenAIChatStub,
} from "../fixtures/openai-chat-stub.js";
import { type Json, jsonClient, openWs } from "../helpers/clients.js";

/** Marker words in the newest user message choose the stub's answer; tool results get a final text. */
function reply(body: ChatRequest) {
  const results = chatToolResults(body);
  if (results.length > 0) {
    return {
      text: `Done: ${results.map((r) => chatContentText(r.content)).join(" | ")}`,
      usage: { prompt_tokens: 200, completion_tokens: 20 },
    };
  }
  const prompt = chatContentText(body.messages.findLast((m) => m.role === "user")?.content);
  if (prompt.includes("USE_TOOLS")) {
    return {
      toolCalls: [
        { name: "write_file", arguments: { path: "notes/hello.txt", content: "written by a native agent" } },
        { name: "mcp__echo__echo", arguments: { text: "ping" } },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 10 },
    };
  }
  return { text: "Hello from a native agent.", usage: { prompt_tokens: 100, completion_tokens: 10 } };
}

/**
 * Issue 4's whole story through the real gateway: a native agent on an OpenAI-compatible provider chats,
 * uses a built-in and an MCP tool, is charged from the price table, stops at its budget, and shows up
 * in telemetry.
 */
describe("a native agent through the gateway", () => {
  let home: string;
  let workdir: string;
  let stub: OpenAIChatStub;
  let gw: RunningGateway;
  const { post, get } = jsonClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-native-"));
    workdir = join(home, "work");
    await mkdir(workdir);
    stub = await startOpenAIChatStub((body) => reply(body));
    await mkdir(join(home, ".viben"), { recursive: true });
    // 100 cents per million input tokens, 1000 per million output tokens.
    await writeFile(
      join(home, ".viben/models.yaml"),
      "models:\n  - { id: local-model, provider_id: local, context_window: 32000, pricing: { input: 100, output: 1000 } }\n",
    );
    await writeFile(
      join(home, ".viben/gateway.yaml"),
      "budgets:\n  agents:\n    helper: { daily_cents: 0.05 }\n",
    );
    gw = await startGateway({
      port: 0,
      env: { PATH: process.env.PATH, HOME: home, LOCAL_KEY: "sk-local-secret", VIBEN_LOG_LEVEL: "silent" },
    });
    const provider = await post("/api/providers", {
      id: "local",
      type: "openai-compatible",
      base_url: `${stub.url}/v1`,
      api_key: "${LOCAL_KEY}",
    });
    expect(provider.status).toBe(201);
    expect(JSON.stringify(provider.body)).not.toContain("sk-local-secret");
    const agent = await post("/api/agent", {
      name: "Helper",
      provider: "local",
      model: "local-model",
      system_prompt: "You are a careful helper.",
      mcp_servers: { echo: echoServerCommand() },
    });
    expect(agent.status).toBe(201);
    expect(agent.body).toMatchObject({ agent_type: "viben", is_available: true });
  }, 30_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("chats over /api/chat and /ws with built-in and MCP tools, charged from the price table", async () => {
    const chat = await post("/api/chat", { message: "say hi", agent_id: "helper", workdir });
    expect(chat.status).toBe(200);
    // 100 input × 100 + 10 output × 1000 cents per million = 0.02 cents.
    expect(chat.body).toMatchObject({
      response: "Hello from a native agent.",
      tokens: { input: 100, output: 10 },
      cost_cents: 0.02,
    });
    expect(stub.requests[0]?.messages[0]).toMatchObject({
      role: "system",
      content: "You are a careful helper.",
    });
    // The ${LOCAL_KEY} reference was expanded for the provider, and only there.
    expect(stub.log.find((hit) => hit.method === "POST")?.headers.authorization).toBe(
      "Bearer sk-local-secret",
    );

    const ws = await openWs(`${gw.url.replace("http", "ws")}/ws`);
    ws.send({ type: "chat", message: "USE_TOOLS please", session_id: chat.body.session_id as string });
    const started = await ws.waitFor((f) => f.type === "chat_started");
    const done = await ws.waitFor((f) => f.type === "run_complete" && f.run_id === started.run_id, 30_000);
    expect(done.response).toMatch(/^Done: .*notes\/hello\.txt.* \| echo: ping$/);
    expect(done.tools_used).toEqual(["write_file", "mcp__echo__echo"]);
    expect(await readFile(join(workdir, "notes/hello.txt"), "utf8")).toBe("written by a native agent");
    const tools = ws.frames.filter((f) => f.run_id === started.run_id && f.type === "tool_end");
    expect(tools.map((t) => [t.tool, t.is_error])).toEqual([
      ["write_file", false],
      ["mcp__echo__echo", false],
    ]);
    // The second request carried the first chat's turn: the session's history reaches the provider.
    expect(JSON.stringify(stub.requests[1]?.messages)).toContain("Hello from a native agent.");
    await ws.close();
  }, 60_000);

  it("refuses new runs once the agent's budget is spent, and shows the spend in telemetry", async () => {
    // So far: 0.02 + (100×100 + 10×1000 + 200×100 + 20×1000)/1e6 = 0.02 + 0.06 = 0.08 cents ≥ 0.05.
    const refused = await post("/api/chat", { message: "one more", agent_id: "helper", workdir });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      code: "BUDGET_EXCEEDED",
      details: { agent_id: "helper", period: "daily" },
    });
    const telemetry = await get("/api/telemetry");
    const byAgent = (telemetry.tokens_and_cost as Json).by_agent as Json;
    expect(byAgent.helper).toMatchObject({ cost_cents: 0.08, tokens: { input: 400, output: 40 } });
    expect(((telemetry.runs as Json).by_executor as Json).viben).toBeTruthy();
    const metrics = await (await fetch(`${gw.url}/api/telemetry/metrics`)).text();
    expect(metrics).toContain('viben_cost_cents_total{agent="helper",model="local-model"} 0.08');
  });
});
