import { describe, expect, it } from "vitest";
import { ampAdapter } from "../../../../runtime/executors/adapters/amp.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

describe("Amp command line", () => {
  it("executes the prompt with JSON output; the model is Amp's choice", () => {
    const { args } = ampAdapter.buildCommand({ ...BASE_SPEC, model: "claude-sonnet-4-5" });
    expect(args).toEqual(["--execute", "fix the bug", "--stream-json"]);
  });

  it("continues a thread, allows everything when bypassing, passes MCP servers and instructions", () => {
    const spec = {
      ...BASE_SPEC,
      systemPrompt: "You review code.",
      permissionMode: "bypassPermissions" as const,
      mcpServers: {
        files: { command: "npx", args: ["server-files"], env: { ROOT: "/srv" } },
        docs: { url: "https://docs.example/mcp" },
      },
    };
    const fresh = ampAdapter.buildCommand(spec).args;
    expect(optionValue(fresh, "--execute")).toBe("You review code.\n\nfix the bug");
    expect(fresh).toContain("--dangerously-allow-all");
    expect(JSON.parse(optionValue(fresh, "--mcp-config")!)).toEqual({
      files: { command: "npx", args: ["server-files"], env: { ROOT: "/srv" } },
      docs: { url: "https://docs.example/mcp" },
    });
    const resumed = ampAdapter.buildCommand({ ...spec, resumeSessionId: "T-2775dc92" }).args;
    expect(resumed.slice(0, 5)).toEqual(["threads", "continue", "T-2775dc92", "--execute", "fix the bug"]);
    expect(ampAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "acceptEdits" }).args).not.toContain(
      "--dangerously-allow-all",
    );
  });
});

describe("Amp output parser", () => {
  it("reads complete messages, a tool round trip, and sums message usage when the result has none", () => {
    const outputs = parseSample(ampAdapter, "amp-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
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
      nativeSessionId: "T-2775dc92-90ed-4f85-8b73-8f9766029e83",
    });
    expect(only(outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "toolu_01", tool: "Bash", result: "hi", isError: false },
    ]);
    expect(deltaText(outputs)).toBe("Running it.It printed hi.");
    expect(only(outputs, "usage")).toEqual([
      { kind: "usage", input: 1250, output: 26, cacheRead: 19500, cacheWrite: 300 },
    ]);
    expect(only(outputs, "result")).toEqual([{ kind: "result", isError: false, text: "It printed hi." }]);
  });

  it("reports an error result's message", () => {
    const outputs = parseLines(ampAdapter, [
      '{"type":"result","subtype":"error_during_execution","is_error":true,"error":"Out of credits","session_id":"T-1"}',
    ]);
    expect(only(outputs, "result")).toEqual([{ kind: "result", isError: true, error: "Out of credits" }]);
  });
});
