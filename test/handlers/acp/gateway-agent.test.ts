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
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
} from "@agentclientprotocol/sdk";
import { describe, expect, it } from "vitest";
import { GatewayAcpAgent } from "../../../handlers/acp/gateway-agent.js";
import type { EventBus } from "../../../handlers/capabilities/events.js";
import type {
  InteractiveRun,
  PendingQuestion,
  QuestionAnswer,
  RunOutcome,
  RunRequest,
  RunService,
} from "../../../handlers/capabilities/runs.js";
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

/**
 * A RunService with interactive runs, as Claude Code's: each run asks `questions` one after the other and
 * completes once all are answered; an interrupt withdraws what is pending and ends the run as stopped.
 */
function interactiveRuns(bus: EventBus, questions: PendingQuestion[]) {
  const answers: { id: string; answer: QuestionAnswer }[] = [];
  const log = { answers, interrupts: 0, plainStarts: 0 };
  const runs: RunService = {
    async start() {
      log.plainStarts += 1;
      throw new Error("the plain run path is not for interactive runtimes");
    },
    stop: async () => false,
    isRunning: () => false,
    async startInteractive(request) {
      const runId = "run-i";
      const sessionId = request.sessionId!;
      const pending = new Map<string, PendingQuestion>();
      let finish!: (outcome: RunOutcome) => void;
      const done = new Promise<RunOutcome>((resolve) => {
        finish = resolve;
      });
      let ended = false;
      const end = (status: RunOutcome["status"]) => {
        if (ended) return;
        ended = true;
        pending.clear();
        bus.publish({
          type: status === "completed" ? "run_complete" : "run_error",
          session_id: sessionId,
          run_id: runId,
        });
        const tokens = { input: 1, output: 2 };
        finish({ runId, sessionId, status, response: "", toolsUsed: [], tokens, costCents: 0 });
      };
      let next = 0;
      const ask = () => {
        const question = questions[next++];
        if (!question) return end("completed");
        pending.set(question.id, question);
        request.onEvent({ type: "question", question });
      };
      const run: InteractiveRun = {
        runId,
        sessionId,
        pid: 1,
        done,
        features: { steer: true, interrupt: true, questions: true },
        get pendingQuestions() {
          return [...pending.values()];
        },
        steer() {},
        answer(id, answer) {
          if (!pending.delete(id)) throw new Error(`question '${id}' is not pending`);
          answers.push({ id, answer });
          ask();
        },
        interrupt: async () => {
          log.interrupts += 1;
          end("stopped");
        },
      };
      setTimeout(ask, 0);
      return run;
    },
    findInteractive: () => undefined,
  };
  return { runs, log };
}

const question = (id: string, toolName: string, kind: PendingQuestion["kind"] = "permission") => ({
  id,
  kind,
  toolName,
  toolUseId: `toolu_${id}`,
  input: { command: `echo ${id}` },
});

function connect(
  script: Script,
  role: Role = "admin",
  custom?: {
    runs: (bus: EventBus) => RunService;
    onPermission?: (r: RequestPermissionRequest) => RequestPermissionResponse;
  },
) {
  const bus = createEventBus();
  const scripted = scriptedRuns(bus, script);
  const runs = custom?.runs(bus) ?? scripted.runs;
  const requests = scripted.requests;
  const { app, sessions } = createTestApp({ events: bus, runs });
  const toAgent = new TransformStream<AnyMessage, AnyMessage>();
  const toClient = new TransformStream<AnyMessage, AnyMessage>();
  new AgentSideConnection((conn) => new GatewayAcpAgent(conn, { services: app.services, role }), {
    readable: toAgent.readable,
    writable: toClient.writable,
  });
  const updates: SessionNotification[] = [];
  const permissionRequests: RequestPermissionRequest[] = [];
  const client = new ClientSideConnection(
    () => ({
      sessionUpdate: (params) => {
        updates.push(params);
      },
      requestPermission: (params) => {
        permissionRequests.push(params);
        return custom?.onPermission?.(params) ?? { outcome: { outcome: "cancelled" } };
      },
    }),
    { readable: toClient.readable, writable: toAgent.writable },
  );
  return { client, updates, requests, sessions, permissionRequests, bus };
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

  it("forwards an interactive run's permission questions and answers the run with the client's choice", async () => {
    let log!: ReturnType<typeof interactiveRuns>["log"];
    const choices = ["allow_always", "reject_once", "allow_once"];
    const { client, permissionRequests, requests } = connect(() => ({}), "admin", {
      runs: (bus) => {
        const made = interactiveRuns(bus, [
          question("q1", "Bash"),
          question("q2", "Write"),
          question("q3", "Bash"),
          question("q4", "AskUserQuestion", "question"),
          question("q5", "Edit"),
          question("q6", "Read"),
        ]);
        log = made.log;
        return made.runs;
      },
      onPermission: () => {
        const choice = choices.shift();
        return choice
          ? { outcome: { outcome: "selected", optionId: choice } }
          : { outcome: { outcome: "cancelled" } };
      },
    });
    const { sessionId } = await newSession(client);
    const answer = await client.prompt({ sessionId, prompt: [{ type: "text", text: "go" }] });
    expect(answer).toMatchObject({ stopReason: "end_turn", _meta: { run_id: "run-i" } });
    expect(requests).toEqual([]);
    expect(log.plainStarts).toBe(0);
    // q3 (Bash again) is allowed without asking after allow_always; q4 (AskUserQuestion) is not asked.
    expect(permissionRequests.map((r) => r.toolCall.toolCallId)).toEqual([
      "toolu_q1",
      "toolu_q2",
      "toolu_q5",
      "toolu_q6",
    ]);
    expect(permissionRequests[0]).toMatchObject({
      sessionId,
      toolCall: { kind: "execute", rawInput: { command: "echo q1" }, _meta: { question_id: "q1" } },
      options: [
        { optionId: "allow_once", kind: "allow_once" },
        { optionId: "allow_always", kind: "allow_always" },
        { optionId: "reject_once", kind: "reject_once" },
      ],
    });
    expect(log.answers.map((a) => [a.id, a.answer.behavior])).toEqual([
      ["q1", "allow"],
      ["q2", "deny"],
      ["q3", "allow"],
      ["q4", "deny"],
      ["q5", "allow"],
      ["q6", "deny"],
    ]);
  });

  it("cancels an interactive turn while the client is asked: the run is interrupted, stopReason cancelled", async () => {
    let log!: ReturnType<typeof interactiveRuns>["log"];
    let sessionId = "";
    let cancelled!: Promise<void>;
    const { client } = connect(() => ({}), "admin", {
      runs: (bus) => {
        const made = interactiveRuns(bus, [question("q1", "Bash")]);
        log = made.log;
        return made.runs;
      },
      onPermission: () => {
        // The user pressed stop while the question was shown: the client cancels, then answers `cancelled`.
        cancelled = client.cancel({ sessionId });
        return { outcome: { outcome: "cancelled" } };
      },
    });
    ({ sessionId } = await newSession(client));
    const answer = await client.prompt({ sessionId, prompt: [{ type: "text", text: "go" }] });
    await cancelled;
    expect(answer.stopReason).toBe("cancelled");
    expect(log.interrupts).toBe(1);
    expect(log.answers).toEqual([]);
  });
});
