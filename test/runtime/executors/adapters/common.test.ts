import { describe, expect, it } from "vitest";
import type { AgentOutput } from "../../../../runtime/executors/adapter.js";
import { EXECUTOR_DESCRIPTORS, findExecutorDescriptor } from "../../../../runtime/executors/index.js";
import type { ExecutorId } from "../../../../storage/executor-types.js";
import { BASE_SPEC, GARBAGE_LINES, parseLines, sampleLines, withGarbage } from "./samples.js";

/** Every sample, by the executor whose parser reads it. */
const SAMPLES: Record<ExecutorId, string[]> = {
  CLAUDE_CODE: ["claude-text.jsonl", "claude-tool.jsonl", "claude-error.jsonl"],
  CODEX: [
    "codex-text.jsonl",
    "codex-tool.jsonl",
    "codex-error.jsonl",
    "codex-resume.jsonl",
    "codex-items.jsonl",
  ],
  GEMINI: ["gemini-tool.jsonl", "gemini-captured-tool.jsonl", "gemini-error.jsonl"],
  QWEN_CODE: ["qwen-tool.jsonl"],
  AMP: ["amp-tool.jsonl"],
  CURSOR_AGENT: ["cursor-tool.jsonl"],
  COPILOT: ["copilot-tool.jsonl", "copilot-error.jsonl"],
  OPENCODE: ["opencode-tool.jsonl", "opencode-error.jsonl"],
};

/** Known event types with missing or wrongly typed fields, across every CLI's vocabulary. */
const BROKEN_EVENTS: unknown[] = [
  { type: "system", subtype: "init", session_id: 5, model: [] },
  { type: "stream_event", event: "x" },
  { type: "stream_event", event: { type: "content_block_delta", delta: { type: "text_delta", text: 3 } } },
  { type: "stream_event", event: { type: "message_delta", delta: null } },
  { type: "assistant", message: "nope" },
  { type: "assistant", message: { content: "text", usage: "x" } },
  { type: "assistant", message: { content: [null, 1, { type: "tool_use" }, { type: "text", text: null }] } },
  { type: "user", message: { content: [{ type: "tool_result", content: { nested: true } }] } },
  { type: "thread.started", thread_id: null },
  { type: "item.started", item: null },
  { type: "item.completed", item: { type: "command_execution", exit_code: "x" } },
  { type: "item.completed", item: { type: "file_change", changes: "x" } },
  { type: "item.completed", item: { type: "mcp_tool_call", result: 5 } },
  { type: "turn.completed", usage: "lots" },
  { type: "init", session_id: {} },
  { type: "message", role: "assistant", content: 5 },
  { type: "tool_use", parameters: null },
  { type: "tool_result", error: "x" },
  { type: "tool_call", subtype: "started", tool_call: { function: { arguments: "{bad json" } } },
  { type: "tool_call", subtype: "completed", tool_call: { shellToolCall: { result: { error: 5 } } } },
  { type: "assistant.message_delta", data: null },
  { type: "tool.execution_complete", data: { result: 5, error: "x" } },
  { type: "assistant.usage", data: { inputTokens: "x" } },
  { type: "text", part: 5 },
  { type: "tool_use", part: { state: null } },
  { type: "step_finish", part: { tokens: "x", cost: "free" } },
  { type: "error", error: 5, message: {} },
];

const KINDS: AgentOutput["kind"][] = [
  "session",
  "delta",
  "tool_start",
  "tool_end",
  "turn_complete",
  "usage",
  "result",
  "error",
];

describe.each(EXECUTOR_DESCRIPTORS.map((descriptor) => [descriptor.id, descriptor] as const))(
  "%s adapter",
  (id, descriptor) => {
    const adapter = descriptor.adapter;

    it("ignores lines that are not JSON objects or not known events", () => {
      expect(parseLines(adapter, GARBAGE_LINES)).toEqual([]);
    });

    it("reads its samples the same with garbage lines in between", () => {
      for (const name of SAMPLES[id]) {
        const lines = sampleLines(name);
        expect(parseLines(adapter, withGarbage(lines)), name).toEqual(parseLines(adapter, lines));
      }
    });

    it("never throws on known events of the wrong shape, and emits well-formed outputs", () => {
      const lines = BROKEN_EVENTS.map((event) => JSON.stringify(event));
      let outputs: AgentOutput[] = [];
      expect(() => {
        outputs = parseLines(adapter, lines);
      }).not.toThrow();
      for (const output of outputs) {
        expect(KINDS).toContain(output.kind);
        if (output.kind === "delta") expect(output.text).not.toBe("");
        if (output.kind === "tool_start") expect(typeof output.tool).toBe("string");
        if (output.kind === "tool_end") expect(typeof output.result).toBe("string");
        if (output.kind === "usage") expect(Number.isFinite(output.input + output.output)).toBe(true);
      }
    });

    it("emits at most one result per run", () => {
      for (const name of SAMPLES[id]) {
        const lines = sampleLines(name);
        const outputs = parseLines(adapter, [...lines, ...lines]);
        expect(outputs.filter((output) => output.kind === "result").length, name).toBeLessThanOrEqual(1);
      }
    });

    it("builds a command line that carries the prompt", () => {
      const command = adapter.buildCommand({ ...BASE_SPEC, prompt: "-starts with a dash" });
      expect(command.args.some((arg) => arg.includes("-starts with a dash"))).toBe(true);
      expect(command.args.every((arg) => typeof arg === "string")).toBe(true);
    });
  },
);

describe("executor descriptors", () => {
  it("declare which executors resume only in the session's workdir", () => {
    const sameWorkdir = EXECUTOR_DESCRIPTORS.filter(
      (descriptor) => descriptor.adapter.resumeRequiresSameWorkdir,
    );
    expect(sameWorkdir.map((descriptor) => descriptor.id).sort()).toEqual(
      ["CLAUDE_CODE", "CURSOR_AGENT", "GEMINI", "OPENCODE", "QWEN_CODE"].sort(),
    );
    expect(findExecutorDescriptor("CODEX")?.adapter.resumeRequiresSameWorkdir).toBe(false);
  });
});
