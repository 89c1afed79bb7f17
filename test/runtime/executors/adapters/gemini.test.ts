import { describe, expect, it } from "vitest";
import { geminiAdapter } from "../../../../runtime/executors/adapters/gemini.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseSample } from "./samples.js";

describe("Gemini CLI command line", () => {
  it("runs headless in stream-json, trusted, without relaunching itself", () => {
    const { args, env } = geminiAdapter.buildCommand({ ...BASE_SPEC, model: "gemini-2.5-flash" });
    expect(args).toEqual([
      "--skip-trust",
      "-m",
      "gemini-2.5-flash",
      "-o",
      "stream-json",
      "--prompt=fix the bug",
    ]);
    expect(env).toEqual({ GEMINI_CLI_NO_RELAUNCH: "true" });
  });

  it("maps permission modes to --yolo and --approval-mode", () => {
    const argsFor = (permissionMode: "default" | "acceptEdits" | "bypassPermissions" | "plan") =>
      geminiAdapter.buildCommand({ ...BASE_SPEC, permissionMode }).args;
    expect(argsFor("bypassPermissions")).toContain("--yolo");
    expect(optionValue(argsFor("acceptEdits"), "--approval-mode")).toBe("auto_edit");
    expect(optionValue(argsFor("plan"), "--approval-mode")).toBe("plan");
    expect(optionValue(argsFor("default"), "--approval-mode")).toBe("default");
  });

  it("puts instructions ahead of a new session's prompt, and resumes without repeating them", () => {
    const spec = { ...BASE_SPEC, systemPrompt: "You review code.", appendPrompt: "Be brief." };
    expect(geminiAdapter.buildCommand(spec).args.at(-1)).toBe(
      "--prompt=You review code.\n\nBe brief.\n\nfix the bug",
    );
    const resumed = geminiAdapter.buildCommand({
      ...spec,
      resumeSessionId: "3f0c8a52-7d1e-4b7a-9a51-2f0e6c1d9b10",
    });
    expect(optionValue(resumed.args, "--resume")).toBe("3f0c8a52-7d1e-4b7a-9a51-2f0e6c1d9b10");
    expect(resumed.args.at(-1)).toBe("--prompt=fix the bug");
  });

  it("keeps a prompt starting with a dash a value, and has no MCP option", () => {
    const { args } = geminiAdapter.buildCommand({
      ...BASE_SPEC,
      prompt: "-v is not a flag here",
      mcpServers: { files: { command: "npx" } },
    });
    expect(args.at(-1)).toBe("--prompt=-v is not a flag here");
    expect(args.join(" ")).not.toContain("npx");
  });
});

describe("Gemini CLI output parser", () => {
  it("reads a tool round trip: deltas, two tools, warning, usage without cached tokens, result text", () => {
    const outputs = parseSample(geminiAdapter, "gemini-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
      "delta",
      "tool_start",
      "tool_start",
      "tool_end",
      "tool_end",
      "turn_complete",
      "error",
      "delta",
      "delta",
      "turn_complete",
      "usage",
      "result",
    ]);
    expect(outputs[0]).toEqual({
      kind: "session",
      nativeSessionId: "3f0c8a52-7d1e-4b7a-9a51-2f0e6c1d9b10",
      model: "gemini-2.5-flash",
    });
    expect(only(outputs, "tool_end")).toEqual([
      {
        kind: "tool_end",
        toolUseId: "run_shell_command-1795446000600-1",
        tool: "run_shell_command",
        result: "hi",
        isError: false,
      },
      {
        kind: "tool_end",
        toolUseId: "read_file-1795446000601-2",
        tool: "read_file",
        result: "File not found: /tmp/sample-work/missing.txt",
        isError: true,
      },
    ]);
    expect(deltaText(outputs)).toBe("I'll write the file.Done: out.txt holds hi.");
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 1000, output: 40, cacheRead: 300 }]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Done: out.txt holds hi." },
    ]);
  });

  it("reads a shell round trip captured from Gemini CLI 0.61.0", () => {
    const outputs = parseSample(geminiAdapter, "gemini-captured-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "delta",
      "delta",
      "turn_complete",
      "usage",
      "result",
    ]);
    expect(only(outputs, "tool_start")[0]).toMatchObject({
      tool: "run_shell_command",
      input: { command: "echo hi" },
    });
    expect(only(outputs, "tool_end")[0]).toMatchObject({
      tool: "run_shell_command",
      result: "hi",
      isError: false,
    });
    // stats.input_tokens 200 with 60 cached: Gemini's own `input` is 140 too.
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 140, output: 40, cacheRead: 60 }]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Hello from the stub!" },
    ]);
  });

  it("reports an API error result (captured)", () => {
    const outputs = parseSample(geminiAdapter, "gemini-error.jsonl");
    expect(kinds(outputs)).toEqual(["session", "usage", "result"]);
    expect(only(outputs, "result")[0]).toMatchObject({
      isError: true,
      error: expect.stringContaining("stub says the request is bad"),
    });
  });
});
