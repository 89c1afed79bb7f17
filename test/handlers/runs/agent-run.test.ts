import { describe, expect, it } from "vitest";
import type {
  InteractiveRun,
  InteractiveRunEvent,
  InteractiveRunRequest,
  PendingQuestion,
  QuestionAnswer,
  RunHandle,
  RunOutcome,
  RunRequest,
  RunService,
} from "../../../handlers/capabilities/runs.js";
import { conflict } from "../../../storage/errors.js";
import { createTestApp, json, jsonRequest, PROJECT } from "../../helpers/app.js";

const OUTCOME: RunOutcome = {
  runId: "run-1",
  sessionId: "sess-1",
  status: "completed",
  response: "Hi",
  toolsUsed: [],
  tokens: { input: 3, output: 2 },
  costCents: 0.1,
};

const QUESTION: PendingQuestion = {
  id: "q-1",
  kind: "permission",
  toolName: "Bash",
  toolUseId: "toolu_1",
  input: { command: "touch x" },
};

/** A RunService whose interactive runs replay a script of events and record what the caller asks. */
function fakeRuns(script: InteractiveRunEvent[]) {
  const started: InteractiveRunRequest[] = [];
  const answers: [string, QuestionAnswer][] = [];
  const steers: string[] = [];
  let live: InteractiveRun | undefined;
  const runs: RunService = {
    start: async (_request: RunRequest): Promise<RunHandle> => {
      throw new Error("not used");
    },
    stop: async () => false,
    isRunning: () => false,
    startInteractive: async (request) => {
      started.push(request);
      for (const event of script) request.onEvent(event);
      live = {
        runId: "run-1",
        sessionId: "sess-1",
        pid: 42,
        done: Promise.resolve(OUTCOME),
        features: { steer: true, interrupt: true, questions: true },
        pendingQuestions: [QUESTION],
        steer: (message) => {
          if (message === "busy") throw conflict("RUN_ENDING", "the run is ending");
          steers.push(message);
        },
        answer: (id, answer) => {
          answers.push([id, answer]);
        },
        interrupt: async () => {},
      };
      return live;
    },
    findInteractive: (sessionId) => (sessionId === "sess-1" ? live : undefined),
  };
  return { runs, started, answers, steers };
}

const SCRIPT: InteractiveRunEvent[] = [
  {
    type: "started",
    sessionId: "sess-1",
    runId: "run-1",
    pid: 42,
    executor: "CLAUDE_CODE",
    workdir: PROJECT,
  },
  { type: "status", status: "running" },
  { type: "native_session", nativeSessionId: "native-1" },
  { type: "text", content: "Hi" },
  { type: "question", question: QUESTION },
  { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "touch x" } },
  { type: "tool_result", toolUseId: "toolu_1", output: "", isError: false },
  { type: "context_usage", inputTokens: 3, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 },
  { type: "turn_result", subtype: "success", isError: false, text: "Hi", costUsd: 0.001, durationMs: 5 },
  { type: "end", outcome: OUTCOME },
];

/** The JSON of every `data:` line of an SSE body. */
function frames(body: string): Record<string, unknown>[] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>);
}

async function appWithAgent(script = SCRIPT) {
  const fake = fakeRuns(script);
  const test = createTestApp({ runs: fake.runs });
  await test.app.request(
    "/api/agent",
    jsonRequest("POST", { id: "coder", name: "Coder", executor_type: "CLAUDE_CODE" }),
  );
  return { ...test, ...fake };
}

describe("POST /api/agent/run", () => {
  it("streams the run as Viben frames (snake_case with camelCase copies), in order, ending with done", async () => {
    const { app } = await appWithAgent();
    const res = await app.request(
      "/api/agent/run",
      jsonRequest("POST", { prompt: "hi", agent_id: "coder", cwd: PROJECT }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const sent = frames(await res.text());
    expect(sent.map((f) => f.type)).toEqual([
      "session",
      "sdk_session",
      "text",
      "question",
      "tool_use",
      "tool_result",
      "result",
      "done",
    ]);
    expect(sent[0]).toMatchObject({ session_id: "sess-1", sessionId: "sess-1", run_id: "run-1" });
    expect(sent[1]).toMatchObject({ sdk_session_id: "native-1", sdkSessionId: "native-1" });
    expect(sent[3]).toMatchObject({
      id: "q-1",
      kind: "permission",
      questions: [{ header: "Permission", question: "Allow Bash: touch x?", multiSelect: false }],
    });
    expect(sent[5]).toMatchObject({
      tool_use_id: "toolu_1",
      toolUseId: "toolu_1",
      is_error: false,
      isError: false,
    });
    expect(sent[6]).toMatchObject({ subtype: "success", cost: 0.001, duration: 5 });
    expect(sent[7]).toMatchObject({ session_id: "sess-1", status: "completed", cost_cents: 0.1 });
  });

  it("a failed run sends an error frame before done", async () => {
    const failed: RunOutcome = { ...OUTCOME, status: "stopped", error: "stopped on request" };
    const { app } = await appWithAgent([SCRIPT[0]!, { type: "end", outcome: failed }]);
    const res = await app.request("/api/agent/run", jsonRequest("POST", { prompt: "hi", agent_id: "coder" }));
    const sent = frames(await res.text());
    expect(sent.slice(-2)).toEqual([
      { type: "error", message: "stopped on request", code: "RUN_STOPPED" },
      expect.objectContaining({ type: "done", status: "stopped" }),
    ]);
  });

  it("takes the agent from Viben's agent_config_path, and an executor with inline config from agent_config", async () => {
    const { app, started } = await appWithAgent();
    await app.request(
      "/api/agent/run",
      jsonRequest("POST", {
        prompt: "hi",
        agent_config_path: "/x/.viben/agents/coder/AGENTS.md",
        task_id: "t",
      }),
    );
    expect(started[0]!.agent.id).toBe("coder");
    await app.request(
      "/api/agent/run",
      jsonRequest("POST", {
        prompt: "hi",
        agent_config: { name: "Inline", executor_type: "CLAUDE_CODE", model: "m-1", permission_mode: "plan" },
      }),
    );
    expect(started[1]!.agent).toMatchObject({
      id: "CLAUDE_CODE",
      config: { model: "m-1", permission_mode: "plan" },
    });
    expect(started[1]!.source).toBe("agent_run");
  });

  it("refuses bad input with the JSON error envelope, naming the field", async () => {
    const { app } = await appWithAgent();
    const missing = await app.request("/api/agent/run", jsonRequest("POST", { agent_id: "coder" }));
    expect(missing.status).toBe(400);
    expect((await json(missing)).error).toContain("prompt");
    const badMode = await app.request(
      "/api/agent/run",
      jsonRequest("POST", {
        prompt: "x",
        agent_config: { executor_type: "CLAUDE_CODE", permission_mode: "yolo" },
      }),
    );
    expect(badMode.status).toBe(400);
    const badSession = await app.request(
      "/api/agent/run",
      jsonRequest("POST", { prompt: "x", session_id: "../x" }),
    );
    expect(badSession.status).toBe(400);
  });

  it("answers 501 where the runtime cannot start interactive runs", async () => {
    const plain: RunService = {
      start: async () => ({}) as RunHandle,
      stop: async () => false,
      isRunning: () => false,
    };
    const { app } = createTestApp({ runs: plain });
    const res = await app.request(
      "/api/agent/run",
      jsonRequest("POST", { prompt: "x", agent_id: "CLAUDE_CODE" }),
    );
    expect(res.status).toBe(501);
  });
});

describe("the /api/agent/run side channel", () => {
  it("answer: approved, rejected with a reason, or Viben answers by index", async () => {
    const { app, answers } = await appWithAgent();
    await (
      await app.request("/api/agent/run", jsonRequest("POST", { prompt: "hi", agent_id: "coder" }))
    ).text();
    const answer = (body: Record<string, unknown>) =>
      app.request(
        "/api/agent/run/answer",
        jsonRequest("POST", { session_id: "sess-1", question_id: "q-1", ...body }),
      );
    expect((await answer({ approved: true })).status).toBe(200);
    expect((await answer({ approved: false, message: "no" })).status).toBe(200);
    expect((await answer({ answers: { "0": "Reject" } })).status).toBe(200);
    expect((await answer({ answers: { "0": "Approve" } })).status).toBe(200);
    expect(answers).toEqual([
      ["q-1", { behavior: "allow" }],
      ["q-1", { behavior: "deny", message: "no" }],
      ["q-1", { behavior: "deny", message: "The user answered: Reject" }],
      ["q-1", { behavior: "allow" }],
    ]);
    expect((await answer({})).status).toBe(400);
  });

  it("steer passes the message on and the run's refusal through; unknown sessions are 404", async () => {
    const { app, steers } = await appWithAgent();
    await (
      await app.request("/api/agent/run", jsonRequest("POST", { prompt: "hi", agent_id: "coder" }))
    ).text();
    const steer = (session_id: string, message: string) =>
      app.request("/api/agent/run/steer", jsonRequest("POST", { session_id, message }));
    expect((await steer("sess-1", "go left")).status).toBe(200);
    expect(steers).toEqual(["go left"]);
    const busy = await steer("sess-1", "busy");
    expect(busy.status).toBe(409);
    expect(await json(busy)).toMatchObject({ code: "RUN_ENDING" });
    expect((await steer("other", "x")).status).toBe(404);
    const cancel = await app.request("/api/agent/run/cancel", jsonRequest("POST", { session_id: "sess-1" }));
    expect(cancel.status).toBe(200);
  });
});
