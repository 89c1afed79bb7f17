import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { describe, expect, it } from "vitest";
import type { DelegationRecord } from "../../../handlers/capabilities/delegation.js";
import { type DelegateToolInput, delegateTool } from "../../../runtime/delegation/delegate-tool.js";
import { handleGatewayMcp } from "../../../runtime/delegation/mcp-endpoint.js";
import { AgentMemory } from "../../../runtime/memory/agent-memory.js";
import type { RunBinding } from "../../../runtime/runs/run-extensions.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { conflict } from "../../../storage/errors.js";
import { MemoryRepository } from "../../../storage/memory.js";
import { Scopes } from "../../../storage/scopes.js";
import { silentLogger } from "../../helpers/app.js";

const run = { runId: "run-1", sessionId: "s-1", depth: 0, workdir: "/tmp" } as RunBinding;

const record = (
  input: DelegateToolInput,
  status: DelegationRecord["status"] = "completed",
): DelegationRecord => ({
  id: "d1",
  agent_id: input.agent,
  task: input.task,
  channel: "mcp",
  depth: 1,
  session_id: "s-2",
  run_id: "run-2",
  status,
  reply: status === "completed" ? `answer to ${input.task}` : "",
  ...(status === "completed" ? {} : { error: "exit 1" }),
  tokens: { input: 0, output: 0 },
  cost_cents: 0,
  started_at: "2026-01-01T00:00:00.000Z",
  duration_ms: 1,
});

/** An MCP client whose requests go straight to the endpoint handler (no server socket). */
async function connect(token: string, delegate: (input: DelegateToolInput) => Promise<DelegationRecord>) {
  const calls: { run: RunBinding; input: DelegateToolInput }[] = [];
  const fetchToHandler = async (url: string | URL, init?: RequestInit) =>
    handleGatewayMcp(new Request(url, init), {
      version: "test",
      find: (t) => (t === "good-token" ? run : undefined),
      delegate: (bound, input) => {
        calls.push({ run: bound, input });
        return delegate(input);
      },
    });
  const transport = new StreamableHTTPClientTransport(new URL("http://gateway.test/mcp"), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
    fetch: fetchToHandler,
  });
  const client = new Client({ name: "test", version: "1" });
  await client.connect(transport);
  return { client, calls };
}

describe("the gateway's MCP endpoint", () => {
  it("offers `delegate` to a live run's token and answers with the other agent's reply", async () => {
    const { client, calls } = await connect("good-token", async (input) => record(input));
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toEqual(["delegate"]);
    const result = await client.callTool({ name: "delegate", arguments: { agent: "codex", task: "sum" } });
    expect(result).toMatchObject({ content: [{ type: "text", text: "answer to sum" }], isError: false });
    // The run comes from the token, never from the tool's arguments.
    expect(calls).toEqual([{ run, input: { agent: "codex", task: "sum" } }]);
    await client.close();
  });

  it("hands refusals and failed runs back as tool errors the model can read", async () => {
    const { client } = await connect("good-token", async (input) => {
      if (input.agent === "deep") throw conflict("DELEGATION_DEPTH_EXCEEDED", "delegation refused: too deep");
      return record(input, "failed");
    });
    const refused = await client.callTool({ name: "delegate", arguments: { agent: "deep", task: "x" } });
    expect(refused).toMatchObject({ isError: true, content: [{ text: "delegation refused: too deep" }] });
    const failed = await client.callTool({ name: "delegate", arguments: { agent: "codex", task: "x" } });
    expect(failed).toMatchObject({ isError: true, content: [{ text: "agent 'codex' failed: exit 1" }] });
    await client.close();
  });

  it("refuses a request without a live run's token with 401 in the error envelope", async () => {
    const response = await handleGatewayMcp(
      new Request("http://gateway.test/mcp", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer stale" },
        body: "{}",
      }),
      { version: "test", find: () => undefined, delegate: async (_run, input) => record(input) },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "MCP_TOKEN_INVALID" });
  });
});

describe("the native delegate tool", () => {
  it("validates its input and returns the reply, or the failure as an error outcome", async () => {
    const tool = delegateTool(async (input) => record(input, input.task === "bad" ? "timeout" : "completed"));
    const context = { workdir: "/tmp", signal: new AbortController().signal, shellTimeoutMs: 1000, env: {} };
    expect(await tool.execute({ agent: "codex", task: "sum" }, context)).toEqual({
      text: "answer to sum",
      isError: false,
    });
    expect(await tool.execute({ agent: "codex", task: "bad" }, context)).toMatchObject({ isError: true });
    expect(await tool.execute({ agent: "codex" }, context)).toMatchObject({
      isError: true,
      text: expect.stringContaining("task"),
    });
  });
});

describe("the gateway's MCP endpoint for an agent with memory", () => {
  it("offers memory_search and memory_add on the run's own agent's memory", async () => {
    const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
    const memory = new AgentMemory({
      repository: new MemoryRepository(scopes.global()),
      logger: silentLogger,
    });
    await memory.add("other", { content: "the staging password rotates on Mondays" });
    const bound = { ...run, agent: { id: "coder" } } as RunBinding;
    const transport = new StreamableHTTPClientTransport(new URL("http://gateway.test/mcp"), {
      requestInit: { headers: { Authorization: "Bearer good-token" } },
      fetch: async (url: string | URL, init?: RequestInit) =>
        handleGatewayMcp(new Request(url, init), {
          version: "test",
          find: (t) => (t === "good-token" ? bound : undefined),
          delegate: async () => {
            throw new Error("not offered");
          },
          toolsOf: () => ({ delegate: false, memory }),
        }),
    });
    const client = new Client({ name: "test", version: "1" });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      "memory_add",
      "memory_search",
    ]);
    await client.callTool({
      name: "memory_add",
      arguments: { content: "deploy to staging before production" },
    });
    await client.callTool({ name: "memory_add", arguments: { content: "lunch is at noon" } });
    const found = await client.callTool({ name: "memory_search", arguments: { query: "staging deploy" } });
    const text = (found.content as { text: string }[])[0]!.text;
    expect(text.split("\n")[0]).toContain("deploy to staging before production");
    // Another agent's memory is not reachable from this run.
    expect(text).not.toContain("password");
    expect((await memory.list("coder")).map((e) => e.sessionKey)).toEqual(["s-1", "s-1"]);
    await client.close();
  });
});
