import { describe, expect, it } from "vitest";
import { copilotAdapter } from "../../../../runtime/executors/adapters/copilot.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

describe("GitHub Copilot command line", () => {
  it("runs a prompt with JSON output; prompt mode needs tools allowed; auto-update off", () => {
    const { args, env } = copilotAdapter.buildCommand(BASE_SPEC);
    expect(args).toEqual(["--prompt=fix the bug", "--output-format", "json", "--allow-all-tools"]);
    expect(env).toEqual({ COPILOT_AUTO_UPDATE: "false" });
  });

  it("maps permissions, passes the model, MCP servers and instructions, and resumes", () => {
    expect(copilotAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "bypassPermissions" }).args).toContain(
      "--allow-all",
    );
    expect(copilotAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "plan" }).args).toEqual(
      expect.arrayContaining(["--allow-all-tools", "--plan"]),
    );
    const { args } = copilotAdapter.buildCommand({
      ...BASE_SPEC,
      model: "gpt-5",
      systemPrompt: "You review code.",
      mcpServers: {
        files: { command: "npx", args: ["server-files"] },
        docs: { type: "sse", url: "https://docs.example/sse", headers: { A: "b" } },
      },
    });
    expect(args[0]).toBe("--prompt=You review code.\n\nfix the bug");
    expect(optionValue(args, "--model")).toBe("gpt-5");
    expect(JSON.parse(optionValue(args, "--additional-mcp-config")!)).toEqual({
      mcpServers: {
        files: { type: "local", command: "npx", args: ["server-files"], tools: ["*"] },
        docs: { type: "sse", url: "https://docs.example/sse", headers: { A: "b" }, tools: ["*"] },
      },
    });
    const resumed = copilotAdapter.buildCommand({ ...BASE_SPEC, resumeSessionId: "9cf45457" }).args;
    expect(resumed).toContain("--resume=9cf45457");
  });
});

describe("GitHub Copilot output parser (captured from copilot 1.0.102)", () => {
  it("reads streamed text once, a bash round trip, turns and the closing result", () => {
    const outputs = parseSample(copilotAdapter, "copilot-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "delta",
      "delta",
      "delta",
      "turn_complete",
      "session",
      "result",
    ]);
    expect(only(outputs, "tool_start")).toEqual([
      {
        kind: "tool_start",
        toolUseId: "call_abc",
        tool: "bash",
        input: { command: "echo hi", description: "say hi" },
      },
    ]);
    expect(only(outputs, "tool_end")[0]).toMatchObject({
      tool: "bash",
      isError: false,
      result: expect.stringMatching(/^hi\n/),
    });
    expect(deltaText(outputs)).toBe("Running it.Hello from the stub!");
    expect(only(outputs, "session")[0]?.nativeSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Hello from the stub!" },
    ]);
  });

  it("reports a failed run with the session error", () => {
    const outputs = parseSample(copilotAdapter, "copilot-error.jsonl");
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: true, error: "400 stub says the request is bad" },
    ]);
  });

  it("emits an unstreamed message whole and sums usage events", () => {
    const outputs = parseLines(copilotAdapter, [
      '{"type":"assistant.message","data":{"messageId":"m1","content":"Whole answer."}}',
      '{"type":"assistant.usage","data":{"model":"gpt-5","inputTokens":100,"outputTokens":10,"cacheReadTokens":40}}',
      '{"type":"assistant.usage","data":{"model":"gpt-5","inputTokens":50,"outputTokens":5}}',
      '{"type":"result","sessionId":"s1","exitCode":0}',
    ]);
    expect(deltaText(outputs)).toBe("Whole answer.");
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 150, output: 15, cacheRead: 40 }]);
  });
});
