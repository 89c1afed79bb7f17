// Follows the Viben agent-run SSE protocol as its server and desktop client speak it:
//   LinXueyuanStdio/viben packages/core/src/gateway/routes/agent-run.ts (POST /api/agent/run: body
//     `prompt`, `cwd`, `agent_config_path`, `agent_config`, `session_id`, `resume_session`; `data:` frames
//     session, sdk_session, text, tool_use, tool_result, question, plan, result, error, done)
//   LinXueyuanStdio/viben apps/desktop/src/lib/gateway/types/sse.ts (the frame fields the desktop reads,
//     camelCase) and apps/desktop/src/lib/gateway/client.ts (parseSSEStream: `data: ` lines of JSON)
// The run is the real Claude Code CLI against the local Anthropic stub (test/fixtures/anthropic-stub.ts).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Json, jsonClient } from "../helpers/clients.js";
import {
  fileExists,
  type InteractiveHarness,
  startInteractiveHarness,
} from "../helpers/interactive-claude.js";
import { postSse } from "../helpers/post-sse.js";

type Frame = Json & { type: string };

describe("POST /api/agent/run (Viben agent-run SSE) with the real Claude Code CLI", () => {
  let h: InteractiveHarness;
  const http = jsonClient(() => h.gw.url);
  const run = (body: Json) => postSse(`${h.gw.url}/api/agent/run`, body);
  const doneOf = (frames: Frame[]) => frames.find((f) => f.type === "done");

  beforeAll(async () => {
    h = await startInteractiveHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("streams session, text, result and done frames; the session is a normal, resumable gateway session", async () => {
    const stream = await run({
      prompt: "SAY_HELLO please",
      agent_id: "claude-auto",
      cwd: h.workdir,
      task_id: "t1",
    });
    const done = await stream.waitFor((f) => f.type === "done");
    const frames = stream.events as Frame[];
    expect(frames[0]).toMatchObject({ type: "session" });
    const sessionId = frames[0]!.session_id as string;
    expect(frames[0]!.sessionId).toBe(sessionId);
    const text = frames
      .filter((f) => f.type === "text")
      .map((f) => f.content)
      .join("");
    expect(text).toBe("Hello from the stub model.");
    expect(frames.filter((f) => f.type === "text").length).toBeGreaterThan(1); // streamed in pieces
    expect(frames.find((f) => f.type === "sdk_session")?.sdk_session_id).toEqual(expect.any(String));
    expect(frames.find((f) => f.type === "result")).toMatchObject({ subtype: "success", is_error: false });
    expect(done).toMatchObject({ session_id: sessionId, status: "completed" });
    expect(frames.at(-1)).toBe(done);
    // SSE carries only the original's frame types.
    expect(frames.some((f) => f.type === "status" || f.type === "context_usage")).toBe(false);

    const session = await http.get(`/api/sessions/${sessionId}`);
    expect(session).toMatchObject({ id: sessionId, agent_id: "claude-auto" });

    // Resuming: the same session continues the CLI's conversation (the stub sees the earlier turn).
    const before = h.stub.requests.length;
    const again = await run({ prompt: "SAY_HELLO again", session_id: sessionId });
    expect(await again.waitFor((f) => f.type === "done")).toMatchObject({
      session_id: sessionId,
      status: "completed",
    });
    const resumed = h.stub.requests
      .slice(before)
      .find((r) => JSON.stringify(r.messages).includes("SAY_HELLO again"));
    expect(JSON.stringify(resumed?.messages)).toContain("SAY_HELLO please");
  });

  it("streams a tool_use and its tool_result", async () => {
    const stream = await run({
      prompt: "RUN_TOOL now",
      agent_config: { executor_type: "CLAUDE_CODE", permission_mode: "bypassPermissions" },
      cwd: h.workdir,
    });
    await stream.waitFor((f) => f.type === "done");
    const frames = stream.events as Frame[];
    const use = frames.find((f) => f.type === "tool_use");
    expect(use).toMatchObject({ name: "Bash", input: { command: "echo tool-output-42" } });
    const result = frames.find((f) => f.type === "tool_result");
    expect(result).toMatchObject({ tool_use_id: use!.id, toolUseId: use!.id, is_error: false });
    expect(result!.output).toContain("tool-output-42");
    expect(frames.indexOf(use!)).toBeLessThan(frames.indexOf(result!));
    expect(doneOf(frames)).toMatchObject({ status: "completed" });
  });

  it("asks a permission question; POST /api/agent/run/answer approves it", async () => {
    const stream = await run({ prompt: "ASK_PERM approve", agent_id: "claude-ask", cwd: h.workdir });
    const question = await stream.waitFor((f) => f.type === "question");
    expect(question).toMatchObject({
      kind: "permission",
      tool_name: "Bash",
      input: { command: "echo approved > perm.txt" },
    });
    expect((question.questions as Json[])[0]).toMatchObject({ header: "Permission", multiSelect: false });
    const sessionId = (stream.events[0] as Frame).session_id;
    const answered = await http.post("/api/agent/run/answer", {
      session_id: sessionId,
      question_id: question.id,
      answers: { "0": "Approve" },
    });
    expect(answered).toMatchObject({ status: 200, body: { success: true } });
    await stream.waitFor((f) => f.type === "done");
    expect(fileExists(join(h.workdir, "perm.txt"))).toBe(true);
    expect((stream.events as Frame[]).find((f) => f.type === "tool_result")).toMatchObject({
      is_error: false,
    });
    // Answered once: a second answer is refused.
    const again = await http.post("/api/agent/run/answer", {
      session_id: sessionId,
      question_id: question.id,
      approved: true,
    });
    expect(again.status).toBe(404);
  });

  it("steer (POST /api/agent/run/steer) adds a turn to the running agent; cancel stops a run", async () => {
    const stream = await run({ prompt: "STEER_FIRST", agent_id: "claude-auto", cwd: h.workdir });
    const session = await stream.waitFor((f) => f.type === "session");
    const steered = await http.post("/api/agent/run/steer", {
      session_id: session.session_id,
      message: "STEER_SECOND now",
    });
    expect(steered).toMatchObject({ status: 200, body: { success: true } });
    h.steerGate.open();
    await stream.waitFor((f) => f.type === "done");
    const frames = stream.events as Frame[];
    expect(frames.filter((f) => f.type === "result")).toHaveLength(2);
    expect(
      frames
        .filter((f) => f.type === "text")
        .map((f) => f.content)
        .join(""),
    ).toContain("Steered reply.");

    const hanging = await run({ prompt: "HANG_NOW", agent_id: "claude-auto", cwd: h.workdir });
    const hangingSession = await hanging.waitFor((f) => f.type === "session");
    await hanging.waitFor((f) => f.type === "text");
    const cancelled = await http.post("/api/agent/run/cancel", { session_id: hangingSession.session_id });
    expect(cancelled.status).toBe(200);
    await hanging.waitFor((f) => f.type === "done");
    expect((hanging.events as Frame[]).slice(-2)).toEqual([
      expect.objectContaining({ type: "error", code: "RUN_STOPPED" }),
      expect.objectContaining({ type: "done", status: "stopped" }),
    ]);
  });

  it("refuses bad input with a JSON error before any stream, and unknown sessions on the side channel", async () => {
    const empty = await http.post("/api/agent/run", { prompt: "  ", agent_id: "claude-auto" });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: expect.any(String), error: expect.stringContaining("prompt") });
    const noAgent = await http.post("/api/agent/run", { prompt: "hi", agent_id: "nobody" });
    expect(noAgent.status).toBe(404);
    const badCwd = await http.post("/api/agent/run", {
      prompt: "hi",
      agent_id: "claude-auto",
      cwd: "/definitely/not/here",
    });
    expect(badCwd.status).toBe(400);
    const steer = await http.post("/api/agent/run/steer", { session_id: "no-such-session", message: "x" });
    expect(steer.status).toBe(404);
    const answer = await http.post("/api/agent/run/answer", {
      session_id: "no-such-session",
      question_id: "q",
    });
    expect(answer.status).toBe(400);
  });
});
