import { describe, expect, it } from "vitest";
import { opencodeAdapter } from "../../../../runtime/executors/adapters/opencode.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

describe("OpenCode command line", () => {
  it("runs with JSON events, the prompt last after --, auto-update off", () => {
    const { args, env } = opencodeAdapter.buildCommand({
      ...BASE_SPEC,
      model: "anthropic/claude-sonnet-4-5",
    });
    expect(args).toEqual([
      "run",
      "--format",
      "json",
      "--model",
      "anthropic/claude-sonnet-4-5",
      "--",
      "fix the bug",
    ]);
    expect(env).toEqual({ OPENCODE_DISABLE_AUTOUPDATE: "true" });
  });

  it("passes only provider/model names", () => {
    expect(opencodeAdapter.buildCommand({ ...BASE_SPEC, model: "sonnet" }).args).not.toContain("--model");
  });

  it("maps permissions, resumes a session and puts instructions ahead of a new session's prompt", () => {
    expect(
      opencodeAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "bypassPermissions" }).args,
    ).toContain("--auto");
    expect(
      optionValue(opencodeAdapter.buildCommand({ ...BASE_SPEC, permissionMode: "plan" }).args, "--agent"),
    ).toBe("plan");
    const spec = { ...BASE_SPEC, systemPrompt: "You review code." };
    expect(opencodeAdapter.buildCommand(spec).args.at(-1)).toBe("You review code.\n\nfix the bug");
    const resumed = opencodeAdapter.buildCommand({ ...spec, resumeSessionId: "ses_1" }).args;
    expect(optionValue(resumed, "--session")).toBe("ses_1");
    expect(resumed.at(-1)).toBe("fix the bug");
  });

  it("passes MCP servers as inline config", () => {
    const { env } = opencodeAdapter.buildCommand({
      ...BASE_SPEC,
      mcpServers: {
        files: { command: "npx", args: ["-y", "server-files"], env: { ROOT: "/srv" } },
        docs: { type: "http", url: "https://docs.example/mcp", headers: { A: "b" } },
      },
    });
    expect(JSON.parse(env!.OPENCODE_CONFIG_CONTENT!)).toEqual({
      mcp: {
        files: { type: "local", command: ["npx", "-y", "server-files"], environment: { ROOT: "/srv" } },
        docs: { type: "remote", url: "https://docs.example/mcp", headers: { A: "b" } },
      },
    });
  });
});

describe("OpenCode output parser (captured from opencode 1.18.33)", () => {
  it("reads text parts, a finished tool part, per-step usage and makes the result at EOF", () => {
    const outputs = parseSample(opencodeAdapter, "opencode-tool.jsonl");
    expect(kinds(outputs)).toEqual([
      "session",
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "usage",
      "delta",
      "turn_complete",
      "usage",
      "result",
    ]);
    expect(only(outputs, "session")[0]?.nativeSessionId).toMatch(/^ses_/);
    expect(only(outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "call_abc", tool: "bash", result: "hi\n", isError: false },
    ]);
    expect(deltaText(outputs)).toBe("Running it.Hello from the stub!");
    expect(only(outputs, "usage").at(-1)).toEqual({
      kind: "usage",
      input: 200,
      output: 40,
      cacheRead: 0,
      cacheWrite: 0,
      costUsd: 0,
    });
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Hello from the stub!" },
    ]);
  });

  it("reports an API error as a failed result", () => {
    const outputs = parseSample(opencodeAdapter, "opencode-error.jsonl");
    expect(kinds(outputs)).toEqual(["session", "result"]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: true, error: "stub says the request is bad" },
    ]);
  });

  it("reads a failed tool part and emits no result when nothing finished", () => {
    const outputs = parseLines(opencodeAdapter, [
      '{"type":"tool_use","sessionID":"ses_1","part":{"type":"tool","tool":"read","callID":"c1","state":{"status":"error","input":{"filePath":"x"},"error":"File not found"}}}',
    ]);
    expect(only(outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "c1", tool: "read", result: "File not found", isError: true },
    ]);
    expect(only(outputs, "result")).toEqual([]);
  });
});
