import { describe, expect, it } from "vitest";
import { claudeCodeAdapter } from "../../../../runtime/executors/adapters/claude-code.js";
import {
  BASE_SPEC,
  deltaText,
  kinds,
  only,
  optionValue,
  parseLines,
  parseSample,
  sampleLines,
} from "./samples.js";

describe("Claude Code command line", () => {
  it("runs one print-mode process with partial messages, the prompt last after --", () => {
    const { args, env, stdin } = claudeCodeAdapter.buildCommand(BASE_SPEC);
    expect(args).toEqual([
      "-p",
      "--output-format",
      "stream-json",
      "--verbose",
      "--include-partial-messages",
      "--",
      "fix the bug",
    ]);
    expect(env).toBeUndefined();
    expect(stdin).toBeUndefined();
  });

  it("allows the tools of trusted MCP servers (the gateway's own) without a permission prompt", () => {
    const { args } = claudeCodeAdapter.buildCommand({
      ...BASE_SPEC,
      mcpServers: {
        viben: { type: "http", url: "http://127.0.0.1:1/mcp", headers: { Authorization: "Bearer t" } },
        other: { command: "srv" },
      },
      trustedMcpServers: ["viben", "absent"],
    });
    expect(optionValue(args, "--allowedTools")).toBe("mcp__viben");
    expect(JSON.parse(optionValue(args, "--mcp-config")!).mcpServers.viben).toMatchObject({ type: "http" });
  });

  it("passes the model, appends system and append prompts, sets the permission mode and resumes", () => {
    const { args } = claudeCodeAdapter.buildCommand({
      ...BASE_SPEC,
      model: "claude-sonnet-4-5",
      systemPrompt: "You review code.",
      appendPrompt: "Answer briefly.",
      permissionMode: "acceptEdits",
      resumeSessionId: "3a830269-bbe6-4822-afaf-00821f5fd4bf",
    });
    expect(optionValue(args, "--model")).toBe("claude-sonnet-4-5");
    expect(optionValue(args, "--append-system-prompt")).toBe("You review code.\n\nAnswer briefly.");
    expect(args).not.toContain("--system-prompt");
    expect(optionValue(args, "--permission-mode")).toBe("acceptEdits");
    expect(optionValue(args, "--resume")).toBe("3a830269-bbe6-4822-afaf-00821f5fd4bf");
    expect(args.slice(-2)).toEqual(["--", "fix the bug"]);
  });

  it("leaves out blank prompts", () => {
    const { args } = claudeCodeAdapter.buildCommand({
      ...BASE_SPEC,
      systemPrompt: "  ",
      appendPrompt: "Only this.",
    });
    expect(optionValue(args, "--append-system-prompt")).toBe("Only this.");
    expect(claudeCodeAdapter.buildCommand({ ...BASE_SPEC, systemPrompt: "" }).args).not.toContain(
      "--append-system-prompt",
    );
  });

  it("translates MCP servers to Claude's mcpServers JSON", () => {
    const { args } = claudeCodeAdapter.buildCommand({
      ...BASE_SPEC,
      mcpServers: {
        files: { command: "npx", args: ["-y", "server-files"], env: { ROOT: "/srv" } },
        docs: { type: "http", url: "https://docs.example/mcp", headers: { Authorization: "Bearer t" } },
        events: { type: "sse", url: "https://events.example/sse" },
        implied: { url: "https://implied.example/mcp" },
        broken: { type: "stdio" },
      },
    });
    expect(JSON.parse(optionValue(args, "--mcp-config")!)).toEqual({
      mcpServers: {
        files: { command: "npx", args: ["-y", "server-files"], env: { ROOT: "/srv" } },
        docs: { type: "http", url: "https://docs.example/mcp", headers: { Authorization: "Bearer t" } },
        events: { type: "sse", url: "https://events.example/sse" },
        implied: { type: "http", url: "https://implied.example/mcp" },
      },
    });
    expect(claudeCodeAdapter.buildCommand({ ...BASE_SPEC, mcpServers: {} }).args).not.toContain(
      "--mcp-config",
    );
  });
});

describe("Claude Code output parser (captured from Claude Code 2.1.197)", () => {
  it("reads a streamed text answer: session, deltas once, turn, usage, result", () => {
    const outputs = parseSample(claudeCodeAdapter, "claude-text.jsonl");
    expect(outputs[0]).toEqual({
      kind: "session",
      nativeSessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      model: "claude-sonnet-4-5",
    });
    expect(deltaText(outputs)).toBe("Hello from the stub! Two plus two is four.");
    expect(only(outputs, "delta").length).toBe(3);
    expect(kinds(outputs).slice(-3)).toEqual(["turn_complete", "usage", "result"]);
    expect(only(outputs, "usage")).toEqual([
      { kind: "usage", input: 100, output: 20, cacheRead: 50, cacheWrite: 7, costUsd: 0.0006412500000000001 },
    ]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Hello from the stub! Two plus two is four." },
    ]);
  });

  it("reads a Bash round trip: tool_start, tool_end named after it, one turn per model call", () => {
    const outputs = parseSample(claudeCodeAdapter, "claude-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
      "delta",
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "delta",
      "delta",
      "delta",
      "turn_complete",
      "usage",
      "result",
    ]);
    const [start] = only(outputs, "tool_start");
    expect(start).toEqual({
      kind: "tool_start",
      toolUseId: expect.stringMatching(/^toolu_/),
      tool: "Bash",
      input: { command: "echo hi > out.txt && cat out.txt", description: "write file" },
    });
    expect(only(outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: start!.toolUseId, tool: "Bash", result: "hi", isError: false },
    ]);
    expect(deltaText(outputs)).toBe("Running it.Done: wrote hi to out.txt.");
    expect(only(outputs, "usage")[0]).toMatchObject({ input: 350, output: 42, costUsd: 0.00168 });
    expect(only(outputs, "result")[0]).toEqual({
      kind: "result",
      isError: false,
      text: "Done: wrote hi to out.txt.",
    });
  });

  it("emits the same text exactly once without partial messages", () => {
    const lines = sampleLines("claude-tool.jsonl").filter((line) => !line.includes('"type":"stream_event"'));
    const outputs = parseLines(claudeCodeAdapter, lines);
    expect(deltaText(outputs)).toBe("Running it.Done: wrote hi to out.txt.");
    expect(only(outputs, "delta").length).toBe(2);
    expect(only(outputs, "turn_complete").length).toBe(2);
  });

  it("reports an API error as a failed result, not as assistant text", () => {
    const outputs = parseSample(claudeCodeAdapter, "claude-error.jsonl");
    expect(only(outputs, "delta")).toEqual([]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: true, error: "API Error: 400 stub says the request is bad" },
    ]);
  });

  it("reports error subtypes and their errors", () => {
    const result = (event: Record<string, unknown>) =>
      only(parseLines(claudeCodeAdapter, [JSON.stringify({ type: "result", ...event })]), "result")[0];
    expect(result({ subtype: "error_max_turns", is_error: true, errors: ["too many turns"] })).toEqual({
      kind: "result",
      isError: true,
      error: "too many turns",
    });
    expect(result({ subtype: "error_during_execution" })).toEqual({
      kind: "result",
      isError: true,
      error: "the run ended with error_during_execution",
    });
  });

  it("skips sub-agent lines, whose Task tool call stands for them", () => {
    const outputs = parseLines(claudeCodeAdapter, [
      JSON.stringify({
        type: "assistant",
        parent_tool_use_id: "toolu_task",
        message: { id: "msg_sub", content: [{ type: "text", text: "sub-agent notes" }] },
      }),
    ]);
    expect(outputs).toEqual([]);
  });

  it("closes an open turn at EOF when no result came", () => {
    const lines = sampleLines("claude-text.jsonl").filter((line) => !line.includes('"type":"result"'));
    const outputs = parseLines(
      claudeCodeAdapter,
      lines.filter((line) => !line.includes("message_delta")),
    );
    expect(kinds(outputs).at(-1)).toBe("turn_complete");
    expect(only(outputs, "result")).toEqual([]);
  });
});
