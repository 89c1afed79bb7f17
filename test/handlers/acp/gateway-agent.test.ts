/*
 * The gateway's ACP agent (handlers/acp/gateway-agent.ts) driven by the SDK's own ClientSideConnection over
 * an in-memory stream pair, with memory storage and a scripted RunService: what each gateway event
 * becomes as a session/update, how outcomes become stop reasons and errors, and the role checks.
 * Follows LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-acp.ts (the SDK's AgentSideConnection
 * bound to the gateway's sessions).
 */
import {
  AgentSideConnection,
  type AnyMessage,
  ClientSideConnection,
  type SessionNotification,
} from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { GatewayAcpAgent } from "../../../handlers/acp/gateway-agent.js";
import type { EventBus } from "../../../handlers/capabilities/events.js";
import type { RunOutcome, RunRequest, RunService } from "../../../handlers/capabilities/runs.js";
import { createEventBus } from "../../../runtime/event-bus.js";
import type { Role } from "../../../storage/gateway-config.js";
import { createTestApp, PROJECT } from "../../helpers/app.js";

type Script = (publish: (event: Record<string, unknown>) => void) => Partial<RunOutcome>;

/** A RunService that publishes a scripted run's events on the bus, as the run manager does. */
function scriptedRuns(bus: EventBus, script: Script) {
  const requests: RunRequest[] = [];
  let n = 0;
  const runs: RunService = {
    async start(request) {
      requests.push(request);
      const runId = `run-${++n}`;
      const sessionId = request.sessionId!;
      const publish = (event: Record<string, unknown>) =>
        bus.publish({ type: "delta", ...event, session_id: sessionId, run_id: runId });
      const done = Promise.resolve().then(() => {
        const outcome: RunOutcome = {
          runId,
          sessionId,
          status: "completed",
          response: "",
          toolsUsed: [],
          tokens: { input: 3, output: 4 },
          costCents: 0.5,
          ...script(publish),
        };
        publish({ type: outcome.status === "completed" ? "run_complete" : "run_error" });
        return outcome;
      });
      return { runId, sessionId, pid: 1, done };
    },
    stop: async () => false,
    isRunning: () => false,
  };
  return { runs, requests };
}

function connect(script: Script, role: Role = "admin") {
  const bus = createEventBus();
  const { runs, requests } = scriptedRuns(bus, script);
  const { app, sessions } = createTestApp({ events: bus, runs });
  const toAgent = new TransformStream<AnyMessage, AnyMessage>();
  const toClient = new TransformStream<AnyMessage, AnyMessage>();
  new AgentSideConnection((conn) => new GatewayAcpAgent(conn, { services: app.services, role }), {
    readable: toAgent.readable,
    writable: toClient.writable,
  });
  const updates: SessionNotification[] = [];
  const client = new ClientSideConnection(
    () => ({
      sessionUpdate: (params) => {
        updates.push(params);
      },
      requestPermission: () => ({ outcome: { outcome: "cancelled" } }),
    }),
    { readable: toClient.readable, writable: toAgent.writable },
  );
  return { client, updates, requests, sessions };
}

const newSession = (client: ClientSideConnection) =>
  client.newSession({ cwd: PROJECT, mcpServers: [], _meta: { agent_id: "CLAUDE_CODE" } });

describe("GatewayAcpAgent", () => {
  it("maps deltas, tool calls (with and without ids) and a TodoWrite plan to session updates", async () => {
    const { client, updates, requests } = connect((publish) => {
      publish({ type: "delta", content: "Hel" });
      publish({ type: "delta", content: "lo" });
      publish({ type: "tool_start", tool: "Bash", input: { command: "ls" }, tool_use_id: "toolu_1" });
      publish({ type: "tool_end", tool: "Bash", result: "a.txt", is_error: false, tool_use_id: "toolu_1" });
      publish({ type: "tool_start", tool: "exec_command", input: { command: ["false"] } });
      publish({ type: "tool_end", tool: "exec_command", result: "exit 1", is_error: true });
      publish({
        type: "tool_start",
        tool: "TodoWrite",
        input: { todos: [{ content: "write tests", status: "in_progress", activeForm: "Writing" }] },
        tool_use_id: "toolu_2",
      });
      return {};
    });
    const { sessionId } = await newSession(client);
    const answer = await client.prompt({
      sessionId,
      prompt: [
        { type: "text", text: "look" },
        { type: "resource", resource: { uri: "file:///a.txt", text: "hi" } },
      ],
    });
    expect(answer).toMatchObject({
      stopReason: "end_turn",
      usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
      _meta: { run_id: "run-1", status: "completed" },
    });
    expect(requests[0]).toMatchObject({ sessionId, workdir: PROJECT, source: "acp" });
    expect(requests[0]!.prompt).toBe('look\n\n<file uri="file:///a.txt">\nhi\n</file>');
    expect(updates.map((u) => u.update)).toMatchObject([
      { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "Hel" } },
      { sessionUpdate: "agent_message_chunk", content: { type: "text", text: "lo" } },
      { sessionUpdate: "tool_call", toolCallId: "toolu_1", kind: "execute", title: "Bash: ls" },
      { sessionUpdate: "tool_call_update", toolCallId: "toolu_1", status: "completed" },
      { sessionUpdate: "tool_call", toolCallId: "run-1-tool-1", kind: "execute" },
      { sessionUpdate: "tool_call_update", toolCallId: "run-1-tool-1", status: "failed" },
      { sessionUpdate: "tool_call", toolCallId: "toolu_2", kind: "think" },
      {
        sessionUpdate: "plan",
        entries: [{ content: "write tests", status: "in_progress", priority: "medium" }],
      },
    ]);
    expect(updates.every((u) => u.sessionId === sessionId)).toBe(true);
  });

  it("turns a failed or timed-out run into a JSON-RPC error carrying the gateway code", async () => {
    const failed = connect(() => ({ status: "failed", error: "exit 1", exitCode: 1 }));
    const { sessionId } = await newSession(failed.client);
    await expect(
      failed.client.prompt({ sessionId, prompt: [{ type: "text", text: "x" }] }),
    ).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining("exit 1"),
      data: { code: "RUN_FAILED", exit_code: 1 },
    });

    const timedOut = connect(() => ({ status: "timeout" }));
    const other = await newSession(timedOut.client);
    await expect(
      timedOut.client.prompt({ sessionId: other.sessionId, prompt: [{ type: "text", text: "x" }] }),
    ).rejects.toMatchObject({ data: { code: "RUN_TIMEOUT" } });

    const stopped = connect(() => ({ status: "stopped" }));
    const third = await newSession(stopped.client);
    expect(
      await stopped.client.prompt({ sessionId: third.sessionId, prompt: [{ type: "text", text: "x" }] }),
    ).toMatchObject({ stopReason: "cancelled" });
  });

  it("keeps writes to operators: a viewer lists and loads but cannot open or prompt sessions", async () => {
    const operator = connect(() => ({}));
    const { sessionId } = await newSession(operator.client);
    await operator.client.prompt({ sessionId, prompt: [{ type: "text", text: "hello there" }] });

    const { client } = connect(() => ({}), "viewer");
    await expect(newSession(client)).rejects.toMatchObject({
      code: -32000,
      data: { code: "FORBIDDEN_ROLE" },
    });
    await expect(client.prompt({ sessionId, prompt: [{ type: "text", text: "x" }] })).rejects.toMatchObject({
      code: -32000,
    });
    // The viewer's gateway is another memory store: its list is empty, and an odd cursor is refused.
    expect(await client.listSessions({})).toEqual({ sessions: [] });
    await expect(client.listSessions({ cursor: "abc" })).rejects.toMatchObject({ code: -32602 });
  });

  it("accepts a client's MCP servers with a warning that they are not attached", async () => {
    const { client } = connect(() => ({}));
    const created = await client.newSession({
      cwd: PROJECT,
      mcpServers: [{ name: "files", command: "/usr/bin/files-mcp", args: [], env: [] }],
      _meta: { agent_id: "CLAUDE_CODE" },
    });
    expect(created._meta).toMatchObject({
      agent_id: "CLAUDE_CODE",
      warnings: [expect.stringContaining("mcpServers")],
    });
  });

  it("picks the default agent when none is named and refuses a workdir outside the roots", async () => {
    const { client } = connect(() => ({}));
    await expect(client.newSession({ cwd: PROJECT, mcpServers: [] })).rejects.toMatchObject({
      code: -32602,
      data: { code: "NO_AGENT" },
    });
    await expect(
      client.newSession({ cwd: "/etc", mcpServers: [], _meta: { agent_id: "CLAUDE_CODE" } }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining("workdir") });
    await expect(
      client.newSession({ cwd: PROJECT, mcpServers: [], _meta: { agent_id: "a/b" } }),
    ).rejects.toMatchObject({ code: -32602 });
  });
});
