// Follows the Viben interactive agent socket as its server speaks it:
//   LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-ws.ts (GET /ws/agent/run with query
//     `cwd`, `agent_config_path`, `session_id`; client messages start, answer, approve, reject, cancel,
//     steer, ping; server messages session, text, tool_use, tool_result, question, plan, result, error,
//     done, pong; "Agent is already running", "No agent is running", "Unknown message type" errors)
//   LinXueyuanStdio/viben apps/desktop/src/lib/gateway/types/sse.ts (the frame fields the desktop reads)
// The run is the real Claude Code CLI against the local Anthropic stub (test/fixtures/anthropic-stub.ts).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Json, jsonClient, openSse, openWs, type WsClient } from "../helpers/clients.js";
import {
  fileExists,
  type InteractiveHarness,
  startInteractiveHarness,
} from "../helpers/interactive-claude.js";

type Frame = Json & { type: string };

describe("/ws/agent/run (Viben agent WebSocket) with the real Claude Code CLI", () => {
  let h: InteractiveHarness;
  const http = jsonClient(() => h.gw.url);
  const connect = (query = "") => openWs(`${h.gw.url.replace(/^http/, "ws")}/ws/agent/run${query}`);
  /** Frames after the nth `done` (each run ends with one). */
  const runFrames = (ws: WsClient, run: number) => {
    const frames = ws.frames as Frame[];
    const ends = frames.flatMap((f, i) => (f.type === "done" ? [i] : []));
    return frames.slice(run === 0 ? 0 : ends[run - 1]! + 1, ends[run]! + 1);
  };
  const doneCount = (ws: WsClient, n: number) =>
    ws.waitFor(() => ws.frames.filter((f) => f.type === "done").length >= n);

  beforeAll(async () => {
    h = await startInteractiveHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("answers ping with pong, and bad messages with error frames without closing", async () => {
    const ws = await connect();
    ws.send({ type: "ping" });
    await ws.waitFor((f) => f.type === "pong");
    ws.sendRaw("this is not json");
    await ws.waitFor((f) => f.type === "error" && f.code === "INVALID_JSON");
    ws.send({ type: "dance" });
    await ws.waitFor((f) => f.type === "error" && f.message === "Unknown message type: dance");
    ws.send({ type: "start" });
    await ws.waitFor(
      (f) => f.type === "error" && f.code === "INVALID_MESSAGE" && String(f.message).includes("prompt"),
    );
    ws.send({ type: "cancel" });
    await ws.waitFor((f) => f.type === "error" && f.code === "NO_RUN");
    ws.send({ type: "steer", message: "x" });
    await ws.waitFor((f) => f.type === "error" && f.code === "NO_RUN" && String(f.message).includes("steer"));
    ws.send({ type: "start", prompt: "hi", agent_id: "nobody" });
    await ws.waitFor((f) => f.type === "error" && f.code === "AGENT_NOT_FOUND");
    ws.send({ type: "ping" });
    await ws.waitFor((f) => f.type === "pong" && ws.frames.filter((g) => g.type === "pong").length === 2);
    await ws.close();
  });

  it("streams a run (session, status, text, tool_use, tool_result, context_usage, result, done); a later start continues the session", async () => {
    const ws = await connect(`?cwd=${encodeURIComponent(h.workdir)}`);
    ws.send({ type: "start", prompt: "RUN_TOOL now", agent_id: "claude-auto" });
    await doneCount(ws, 1);
    const frames = runFrames(ws, 0);
    expect(frames[0]).toMatchObject({ type: "session", cwd: h.workdir });
    const sessionId = frames[0]!.session_id;
    expect(frames.find((f) => f.type === "status")).toMatchObject({ status: "running" });
    const use = frames.find((f) => f.type === "tool_use");
    expect(use).toMatchObject({ name: "Bash", input: { command: "echo tool-output-42" } });
    const result = frames.find((f) => f.type === "tool_result");
    expect(result).toMatchObject({ tool_use_id: use!.id, is_error: false });
    expect(result!.output).toContain("tool-output-42");
    expect(frames.some((f) => f.type === "text" && String(f.content).length > 0)).toBe(true);
    expect(frames.find((f) => f.type === "context_usage")).toMatchObject({
      input_tokens: expect.any(Number),
    });
    expect(frames.find((f) => f.type === "result")).toMatchObject({ subtype: "success" });
    expect(frames.at(-1)).toMatchObject({ type: "done", session_id: sessionId, status: "completed" });

    ws.send({ type: "start", prompt: "SAY_HELLO next" });
    await doneCount(ws, 2);
    const second = runFrames(ws, 1);
    expect(second[0]).toMatchObject({ type: "session", session_id: sessionId });
    expect(
      second
        .filter((f) => f.type === "text")
        .map((f) => f.content)
        .join(""),
    ).toBe("Hello from the stub model.");
    const session = await http.get(`/api/sessions/${sessionId}`);
    expect(session).toMatchObject({ id: sessionId, agent_id: "claude-auto" });
    await ws.close();
  });

  it("asks before a tool runs: approve lets it run", async () => {
    const ws = await connect();
    ws.send({ type: "start", prompt: "ASK_PERM approve", agent_id: "claude-ask", cwd: h.workdir });
    const question = await ws.waitFor((f) => f.type === "question");
    expect(question).toMatchObject({
      kind: "permission",
      tool_name: "Bash",
      input: { command: "echo approved > perm.txt" },
    });
    await ws.waitFor((f) => f.type === "status" && f.status === "waiting_for_answer");
    ws.send({ type: "approve", plan_id: question.id });
    await doneCount(ws, 1);
    expect(fileExists(join(h.workdir, "perm.txt"))).toBe(true);
    const frames = runFrames(ws, 0);
    expect(frames.find((f) => f.type === "tool_result")).toMatchObject({ is_error: false });
    expect(frames.at(-1)).toMatchObject({ status: "completed" });
    await ws.close();
  });

  it("asks before a tool runs: reject refuses it and the agent is told", async () => {
    const workdir = join(h.home, "reject");
    await import("node:fs/promises").then((fs) => fs.mkdir(workdir));
    const ws = await connect();
    ws.send({ type: "start", prompt: "ASK_PERM reject", agent_id: "claude-ask", cwd: workdir });
    const question = await ws.waitFor((f) => f.type === "question");
    ws.send({ type: "reject", question_id: question.id, message: "not in this folder" });
    await doneCount(ws, 1);
    expect(fileExists(join(workdir, "perm.txt"))).toBe(false);
    const frames = runFrames(ws, 0);
    const result = frames.find((f) => f.type === "tool_result");
    expect(result).toMatchObject({ is_error: true });
    expect(String(result!.output)).toContain("not in this folder");
    // The model saw the refusal as the tool's result.
    expect(
      frames
        .filter((f) => f.type === "text")
        .map((f) => f.content)
        .join(""),
    ).toContain("not in this folder");
    // Answering it again is refused with an error frame.
    ws.send({ type: "approve", question_id: question.id });
    await ws.waitFor((f) => f.type === "error" && f.code === "NO_RUN");
    await ws.close();
  });

  it("relays the agent's own question (AskUserQuestion); answers by index go back to the tool", async () => {
    const ws = await connect();
    ws.send({ type: "start", prompt: "ASK_USER", agent_id: "claude-ask", cwd: h.workdir });
    const question = await ws.waitFor((f) => f.type === "question");
    expect(question).toMatchObject({
      kind: "question",
      questions: [
        {
          header: "Color",
          question: "Which color?",
          options: [
            { label: "Red", description: "warm" },
            { label: "Blue", description: "cool" },
          ],
          multiSelect: false,
        },
      ],
    });
    ws.send({ type: "answer", question_id: question.id, answers: { "0": "Blue" } });
    await doneCount(ws, 1);
    const result = runFrames(ws, 0).find((f) => f.type === "tool_result");
    expect(String(result?.output)).toContain('"Which color?"="Blue"');
    await ws.close();
  });

  it("relays a plan (ExitPlanMode) as a plan frame; approve accepts it", async () => {
    const ws = await connect();
    ws.send({
      type: "start",
      prompt: "MAKE_PLAN",
      agent_config: { executor_type: "CLAUDE_CODE", permission_mode: "plan" },
      cwd: h.workdir,
    });
    const plan = await ws.waitFor((f) => f.type === "plan");
    expect(plan.plan).toEqual({
      id: plan.plan_id,
      goal: "Fix the bug",
      steps: [
        { id: "step-1", description: "read the code", status: "pending" },
        { id: "step-2", description: "patch it", status: "pending" },
      ],
      notes: "# Fix the bug\n- read the code\n- patch it",
    });
    ws.send({ type: "approve", plan_id: plan.plan_id });
    await doneCount(ws, 1);
    const result = runFrames(ws, 0).find((f) => f.type === "tool_result");
    expect(String(result?.output)).toContain("approved your plan");
    await ws.close();
  });

  it("steers a running agent: the message becomes the next turn of the same run", async () => {
    const ws = await connect();
    ws.send({ type: "start", prompt: "STEER_FIRST", agent_id: "claude-auto", cwd: h.workdir });
    await ws.waitFor((f) => f.type === "status" && f.status === "running");
    ws.send({ type: "start", prompt: "again" });
    await ws.waitFor((f) => f.type === "error" && f.code === "RUN_IN_PROGRESS");
    ws.send({ type: "steer", message: "STEER_SECOND instead" });
    await ws.waitFor((f) => f.type === "steered");
    h.steerGate.open();
    await doneCount(ws, 1);
    const frames = runFrames(ws, 0);
    expect(frames.filter((f) => f.type === "result")).toHaveLength(2);
    const text = frames
      .filter((f) => f.type === "text")
      .map((f) => f.content)
      .join("");
    expect(text).toContain("First reply.");
    expect(text).toContain("Steered reply.");
    expect(frames.at(-1)).toMatchObject({ type: "done", status: "completed" });
    // The steer is in the session's history as a user message.
    const messages = await http.get(`/api/agent/claude-auto/sessions/${frames[0]!.session_id}/messages`);
    expect(JSON.stringify(messages)).toContain("STEER_SECOND instead");
    await ws.close();
  });

  it("cancels a running agent: the run stops and ends with error and done", async () => {
    const ws = await connect();
    ws.send({ type: "start", prompt: "HANG_NOW", agent_id: "claude-auto", cwd: h.workdir });
    await ws.waitFor((f) => f.type === "text");
    ws.send({ type: "cancel" });
    await doneCount(ws, 1);
    const frames = runFrames(ws, 0);
    expect(frames.find((f) => f.type === "error")).toMatchObject({ code: "RUN_STOPPED" });
    expect(frames.at(-1)).toMatchObject({ type: "done", status: "stopped" });
    // The connection stays usable for the next run.
    ws.send({ type: "ping" });
    await ws.waitFor((f) => f.type === "pong");
    await ws.close();
  });

  it("closing the socket interrupts the run (nobody is left to answer it)", async () => {
    const ws = await connect();
    ws.send({ type: "start", prompt: "HANG_NOW", agent_id: "claude-auto", cwd: h.workdir });
    const session = await ws.waitFor((f) => f.type === "session");
    await ws.waitFor((f) => f.type === "text");
    const events = await openSse(`${h.gw.url}/api/events?session_id=${session.session_id}&type=run_error`);
    await ws.close();
    expect(await events.waitFor((e) => e.type === "run_error")).toMatchObject({ code: "RUN_STOPPED" });
    events.close();
    expect(await http.get(`/api/sessions/${session.session_id}`)).toMatchObject({ status: "idle" });
  });
});
