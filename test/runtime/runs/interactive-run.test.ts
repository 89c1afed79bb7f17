import { describe, expect, it } from "vitest";
import type { InteractiveRunEvent, RunOutcome } from "../../../handlers/capabilities/runs.js";
import type { AgentOutput } from "../../../runtime/executors/adapter.js";
import { claudeCodeAdapter } from "../../../runtime/executors/adapters/claude-code.js";
import { InteractiveSession } from "../../../runtime/runs/interactive-run.js";

/** Lines as Claude Code prints them with --input-format/--output-format stream-json. */
const line = (value: unknown) => JSON.stringify(value);
const INIT = line({ type: "system", subtype: "init", session_id: "native-1", model: "claude-x" });
const textDelta = (text: string) =>
  line({ type: "stream_event", event: { type: "content_block_delta", delta: { type: "text_delta", text } } });
const thinkingDelta = (thinking: string) =>
  line({
    type: "stream_event",
    event: { type: "content_block_delta", delta: { type: "thinking_delta", thinking } },
  });
const assistant = (id: string, text: string) =>
  line({
    type: "assistant",
    message: {
      id,
      model: "claude-x",
      content: [{ type: "text", text }],
      stop_reason: "end_turn",
      usage: { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: 5 },
    },
  });
const CAN_USE_TOOL = line({
  type: "control_request",
  request_id: "req-1",
  request: {
    subtype: "can_use_tool",
    tool_name: "Bash",
    input: { command: "rm -rf build" },
    tool_use_id: "toolu_1",
  },
});
const result = (subtype = "success", cost = 0.01) =>
  line({
    type: "result",
    subtype,
    is_error: subtype !== "success",
    result: "done",
    total_cost_usd: cost,
    duration_ms: 1200,
    num_turns: 1,
    usage: { input_tokens: 10, output_tokens: 4 },
    session_id: "native-1",
  });

function harness(withProtocol = true) {
  const events: InteractiveRunEvent[] = [];
  const recorded: AgentOutput[] = [];
  const userTurns: string[] = [];
  const stdin: string[] = [];
  let inputEnded = false;
  let stopped = 0;
  let ids = 0;
  const session = new InteractiveSession({
    executor: withProtocol ? "CLAUDE_CODE" : "CODEX",
    onEvent: (event) => events.push(event),
    record: (output) => recorded.push(output),
    recordUserTurn: (text) => userTurns.push(text),
    stop: async () => {
      stopped += 1;
    },
    markStopped: () => {},
    newId: () => `id-${++ids}`,
    graceMs: 50,
  });
  const protocol = claudeCodeAdapter.interactive!();
  if (withProtocol) session.useProtocol(protocol);
  session.attach({
    write: (text) => {
      stdin.push(text);
      return true;
    },
    endInput: () => {
      inputEnded = true;
    },
  });
  const parser = session.parser(() => claudeCodeAdapter.createParser());
  return {
    session,
    events,
    recorded,
    userTurns,
    stdin: () => stdin.map((text) => JSON.parse(text) as Record<string, unknown>),
    feed: (...lines: string[]) => {
      for (const text of lines) parser.line(text);
    },
    inputEnded: () => inputEnded,
    stopped: () => stopped,
    types: () => events.map((e) => e.type),
  };
}

describe("InteractiveSession over Claude Code's control channel", () => {
  it("maps a turn to events and closes stdin once every turn has its result", () => {
    const h = harness();
    h.feed(INIT, thinkingDelta("hmm"), textDelta("Hel"), textDelta("lo"), assistant("m1", "Hello"));
    expect(h.inputEnded()).toBe(false);
    h.feed(result());
    expect(h.events).toEqual([
      { type: "native_session", nativeSessionId: "native-1", model: "claude-x" },
      { type: "thinking", content: "hmm" },
      { type: "text", content: "Hel" },
      { type: "text", content: "lo" },
      { type: "context_usage", inputTokens: 12, outputTokens: 3, cacheReadTokens: 5, cacheWriteTokens: 0 },
      expect.objectContaining({
        type: "turn_result",
        subtype: "success",
        isError: false,
        costUsd: 0.01,
        durationMs: 1200,
      }),
      { type: "status", status: "idle" },
    ]);
    expect(h.inputEnded()).toBe(true);
    expect(h.recorded.some((o) => o.kind === "result")).toBe(true);
  });

  it("answers a permission question on stdin: allow keeps the tool's input, deny carries the reason", () => {
    const h = harness();
    h.feed(INIT, CAN_USE_TOOL);
    const question = h.events.find((e) => e.type === "question");
    expect(question).toEqual({
      type: "question",
      question: {
        id: "req-1",
        kind: "permission",
        toolName: "Bash",
        toolUseId: "toolu_1",
        input: { command: "rm -rf build" },
      },
    });
    expect(h.session.pendingQuestions).toHaveLength(1);
    h.session.answer("req-1", { behavior: "allow" });
    expect(h.stdin().at(-1)).toEqual({
      type: "control_response",
      response: {
        subtype: "success",
        request_id: "req-1",
        response: { behavior: "allow", updatedInput: { command: "rm -rf build" } },
      },
    });
    expect(() => h.session.answer("req-1", { behavior: "allow" })).toThrow(/not pending/);

    h.feed(CAN_USE_TOOL.replace("req-1", "req-2"));
    h.session.answer("req-2", { behavior: "deny", message: "no" });
    expect((h.stdin().at(-1)!.response as Record<string, unknown>).response).toEqual({
      behavior: "deny",
      message: "no",
    });
  });

  it("a withdrawn question cannot be answered", () => {
    const h = harness();
    h.feed(CAN_USE_TOOL, line({ type: "control_cancel_request", request_id: "req-1" }));
    expect(h.types()).toContain("question_cancelled");
    expect(() => h.session.answer("req-1", { behavior: "allow" })).toThrow(/not pending/);
  });

  it("a steer is a user turn on stdin; stdin stays open until its result too, and usage adds up", () => {
    const h = harness();
    h.session.steer("also do this");
    expect(h.stdin().at(-1)).toEqual({
      type: "user",
      message: { role: "user", content: [{ type: "text", text: "also do this" }] },
    });
    expect(h.userTurns).toEqual(["also do this"]);
    h.feed(INIT, textDelta("one"), result("success", 0.01));
    expect(h.inputEnded()).toBe(false);
    h.feed(INIT, textDelta("two"), result("success", 0.02));
    expect(h.inputEnded()).toBe(true);
    const usages = h.recorded.filter((o) => o.kind === "usage");
    expect(usages.at(-1)).toMatchObject({ input: 20, output: 8, costUsd: 0.03 });
    expect(() => h.session.steer("late")).toThrow(/finished its turns/);
  });

  it("interrupt sends the control request and ends input; the process is stopped if it lingers", async () => {
    const h = harness();
    h.feed(INIT, CAN_USE_TOOL);
    const never = new Promise<RunOutcome>(() => {});
    await h.session.interrupt(never);
    const interrupt = h.stdin().at(-1)!;
    expect(interrupt).toMatchObject({ type: "control_request", request: { subtype: "interrupt" } });
    expect(h.inputEnded()).toBe(true);
    expect(h.types()).toContain("question_cancelled");
    expect(h.stopped()).toBe(1);
  });
});

describe("InteractiveSession for an executor without a control channel", () => {
  it("refuses steer and answers clearly, and maps the outputs it gets", () => {
    const h = harness(false);
    expect(() => h.session.steer("more")).toThrow(expect.objectContaining({ code: "STEER_NOT_SUPPORTED" }));
    expect(() => h.session.answer("q", { behavior: "allow" })).toThrow(
      expect.objectContaining({ code: "QUESTIONS_NOT_SUPPORTED" }),
    );
    h.session.output({ kind: "delta", text: "hi" });
    h.session.output({ kind: "tool_start", toolUseId: "t1", tool: "shell", input: { cmd: "ls" } });
    h.session.output({ kind: "tool_end", toolUseId: "t1", tool: "shell", result: "a\nb", isError: false });
    h.session.output({ kind: "result", text: "hi", isError: false });
    expect(h.events).toEqual([
      { type: "text", content: "hi" },
      { type: "tool_use", id: "t1", name: "shell", input: { cmd: "ls" } },
      { type: "tool_result", toolUseId: "t1", name: "shell", output: "a\nb", isError: false },
      { type: "turn_result", subtype: "success", isError: false, text: "hi", error: undefined },
    ]);
    expect(h.session.features).toEqual({ steer: false, interrupt: true, questions: false });
  });

  it("interrupt stops the process", async () => {
    const h = harness(false);
    await h.session.interrupt(new Promise(() => {}));
    expect(h.stopped()).toBe(1);
  });
});

describe("Claude Code's interactive command line", () => {
  it("keeps the batch options, drops the prompt, and adds the stream-json input and stdio permission tool", () => {
    const { args } = claudeCodeAdapter.interactive!().buildCommand({
      prompt: "ignored here",
      workdir: "/w",
      model: "m",
      permissionMode: "default",
      resumeSessionId: "native-1",
    });
    expect(args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--model",
      "m",
      "--permission-mode",
      "default",
      "--resume",
      "native-1",
      "--input-format",
      "stream-json",
      "--permission-prompt-tool",
      "stdio",
    ]);
  });
});
