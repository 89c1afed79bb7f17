import { describe, expect, it } from "vitest";
import { qwenCodeAdapter } from "../../../../runtime/executors/adapters/qwen-code.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

describe("Qwen Code command line", () => {
  it("runs headless in stream-json with partial messages", () => {
    const { args } = qwenCodeAdapter.buildCommand({ ...BASE_SPEC, model: "qwen3-coder-plus" });
    expect(args).toEqual([
      "-m",
      "qwen3-coder-plus",
      "-o",
      "stream-json",
      "--include-partial-messages",
      "--prompt=fix the bug",
    ]);
  });

  it("appends instructions, passes MCP servers, maps permissions and resumes", () => {
    const { args } = qwenCodeAdapter.buildCommand({
      ...BASE_SPEC,
      systemPrompt: "You review code.",
      appendPrompt: "Be brief.",
      permissionMode: "acceptEdits",
      resumeSessionId: "579cd2ba-93e0-4c68-ac1c-a5689d2fa27d",
      mcpServers: {
        files: { command: "npx", args: ["server-files"] },
        docs: { type: "http", url: "https://docs.example/mcp", headers: { A: "b" } },
        events: { type: "sse", url: "https://events.example/sse" },
      },
    });
    expect(optionValue(args, "--append-system-prompt")).toBe("You review code.\n\nBe brief.");
    expect(JSON.parse(optionValue(args, "--mcp-config")!)).toEqual({
      mcpServers: {
        files: { command: "npx", args: ["server-files"] },
        docs: { httpUrl: "https://docs.example/mcp", headers: { A: "b" } },
        events: { url: "https://events.example/sse" },
      },
    });
    expect(optionValue(args, "--approval-mode")).toBe("auto-edit");
    expect(optionValue(args, "--resume")).toBe("579cd2ba-93e0-4c68-ac1c-a5689d2fa27d");
    expect(args.at(-1)).toBe("--prompt=fix the bug");
    expect(
      qwenCodeAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "bypassPermissions" }).args,
    ).toContain("--yolo");
  });
});

describe("Qwen Code output parser (captured from qwen 0.24.4)", () => {
  it("reads Claude-style stream-json: streamed text once, a shell round trip, usage and result", () => {
    const outputs = parseSample(qwenCodeAdapter, "qwen-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
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
    expect(deltaText(outputs)).toBe("Running it.Hello from the stub!");
    expect(only(outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "call_abc", tool: "run_shell_command", result: "hi", isError: false },
    ]);
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 200, output: 40, cacheRead: 0 }]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Hello from the stub!" },
    ]);
  });

  it("subtracts cached tokens Qwen counts into input_tokens, and reads its error shape", () => {
    const event = {
      type: "result",
      subtype: "error_during_execution",
      is_error: true,
      usage: { input_tokens: 1000, output_tokens: 10, cache_read_input_tokens: 600 },
      error: { message: "[API Error: 400 bad]" },
    };
    const outputs = parseLines(qwenCodeAdapter, [JSON.stringify(event)]);
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 400, output: 10, cacheRead: 600 }]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: true, error: "[API Error: 400 bad]" },
    ]);
  });
});
