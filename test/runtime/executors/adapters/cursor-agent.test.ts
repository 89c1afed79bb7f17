import { describe, expect, it } from "vitest";
import { cursorAgentAdapter } from "../../../../runtime/executors/adapters/cursor-agent.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

describe("Cursor command line", () => {
  it("prints stream-json in a trusted workdir, the prompt last after --", () => {
    const { args } = cursorAgentAdapter.buildCommand({ ...BASE_SPEC, model: "gpt-5" });
    expect(args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--trust",
      "--model",
      "gpt-5",
      "--",
      "fix the bug",
    ]);
  });

  it("maps permissions, resumes a chat and puts instructions ahead of a new chat's prompt", () => {
    expect(
      cursorAgentAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "bypassPermissions" }).args,
    ).toContain("--force");
    expect(
      optionValue(cursorAgentAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "plan" }).args, "--mode"),
    ).toBe("plan");
    const acceptEdits = cursorAgentAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "acceptEdits" }).args;
    expect(acceptEdits).not.toContain("--force");
    const spec = { ...BASE_SPEC, systemPrompt: "You review code." };
    expect(cursorAgentAdapter.buildCommand(spec).args.at(-1)).toBe("You review code.\n\nfix the bug");
    const resumed = cursorAgentAdapter.buildCommand({ ...spec, resumeSessionId: "chat-1" }).args;
    expect(optionValue(resumed, "--resume")).toBe("chat-1");
    expect(resumed.at(-1)).toBe("fix the bug");
  });
});

describe("Cursor output parser", () => {
  it("reads messages, read and rejected shell tool calls, usage and the result", () => {
    const outputs = parseSample(cursorAgentAdapter, "cursor-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "tool_start",
      "tool_end",
      "turn_complete",
      "delta",
      "turn_complete",
      "usage",
      "result",
    ]);
    expect(outputs[0]).toEqual({
      kind: "session",
      nativeSessionId: "00000000-0000-4000-8000-000000000001",
      model: "Auto",
    });
    expect(only(outputs, "tool_start")).toEqual([
      { kind: "tool_start", toolUseId: "call-read-1", tool: "read", input: { path: "hello.py" } },
      {
        kind: "tool_start",
        toolUseId: "call-shell-2",
        tool: "shell",
        input: { command: "python3 hello.py" },
      },
    ]);
    const [read, shell] = only(outputs, "tool_end");
    expect(read).toEqual({
      kind: "tool_end",
      toolUseId: "call-read-1",
      tool: "read",
      result: "print('hello world')\n",
      isError: false,
    });
    expect(shell).toMatchObject({
      tool: "shell",
      isError: true,
      result: expect.stringMatching(/^rejected: /),
    });
    expect(deltaText(outputs)).toBe("Let me look at hello.py.It prints `hello world`.");
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 14948, output: 103, cacheRead: 9000 }]);
    expect(only(outputs, "result")[0]).toMatchObject({ isError: false });
  });

  it("reads shell output and function-style tool calls", () => {
    const outputs = parseLines(cursorAgentAdapter, [
      '{"type":"tool_call","subtype":"started","call_id":"c1","tool_call":{"function":{"name":"mcp_echo","arguments":"{\\"text\\":\\"hi\\"}"}}}',
      '{"type":"tool_call","subtype":"completed","call_id":"c1","tool_call":{"function":{"name":"mcp_echo","result":{"success":{"content":"echo: hi"}}}}}',
      '{"type":"tool_call","subtype":"completed","call_id":"c2","tool_call":{"shellToolCall":{"args":{"command":"false"},"result":{"success":{"exitCode":1,"stdout":"","stderr":"failed"}}}}}',
    ]);
    expect(only(outputs, "tool_start")).toEqual([
      { kind: "tool_start", toolUseId: "c1", tool: "mcp_echo", input: { text: "hi" } },
    ]);
    expect(only(outputs, "tool_end").map((end) => [end.tool, end.result, end.isError])).toEqual([
      ["mcp_echo", "echo: hi", false],
      ["shell", "failed", true],
    ]);
  });

  it("reports an error result", () => {
    const outputs = parseLines(cursorAgentAdapter, [
      '{"type":"result","subtype":"error","is_error":true,"result":"denied","session_id":"s1"}',
    ]);
    expect(only(outputs, "result")).toEqual([{ kind: "result", isError: true, error: "denied" }]);
  });
});
