import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { codexAdapter } from "../../../../runtime/executors/adapters/codex.js";
import { BASE_SPEC, deltaText, kinds, only, optionValue, parseLines, parseSample } from "./samples.js";

/** The `-c` overrides of a command line, each parsed the way Codex parses it (`key=<TOML value>`). */
function overrides(args: readonly string[]): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  args.forEach((arg, i) => {
    if (arg !== "-c") return;
    const text = args[i + 1]!;
    const eq = text.indexOf("=");
    parsed[text.slice(0, eq)] = parseToml(`value = ${text.slice(eq + 1)}`).value;
  });
  return parsed;
}

describe("Codex command line", () => {
  it("runs exec in JSON mode outside git, with update checks and analytics off", () => {
    const { args, env } = codexAdapter.buildCommand(BASE_SPEC);
    expect(args.slice(0, 3)).toEqual(["exec", "--json", "--skip-git-repo-check"]);
    expect(overrides(args)).toEqual({ check_for_update_on_startup: false, "analytics.enabled": false });
    expect(args.slice(-2)).toEqual(["--", "fix the bug"]);
    expect(env).toBeUndefined();
  });

  it("maps permission modes to sandboxes", () => {
    const argsFor = (permissionMode: "default" | "acceptEdits" | "bypassPermissions" | "plan") =>
      codexAdapter.buildCommand({ ...BASE_SPEC, permissionMode }).args;
    expect(optionValue(argsFor("acceptEdits"), "-s")).toBe("workspace-write");
    expect(optionValue(argsFor("default"), "-s")).toBe("read-only");
    expect(optionValue(argsFor("plan"), "-s")).toBe("read-only");
    expect(argsFor("bypassPermissions")).toContain("--dangerously-bypass-approvals-and-sandbox");
    expect(argsFor("bypassPermissions")).not.toContain("-s");
  });

  it("resumes with `exec resume`, the thread id before the prompt and the sandbox as config", () => {
    const { args } = codexAdapter.buildCommand({
      ...BASE_SPEC,
      model: "gpt-5.1-codex",
      permissionMode: "acceptEdits",
      resumeSessionId: "01a20902-9b99-7e52-b06b-6672faaf6991",
    });
    expect(args.slice(0, 2)).toEqual(["exec", "resume"]);
    expect(optionValue(args, "-m")).toBe("gpt-5.1-codex");
    expect(args).not.toContain("-s");
    expect(overrides(args).sandbox_mode).toBe("workspace-write");
    expect(args.slice(-3)).toEqual(["--", "01a20902-9b99-7e52-b06b-6672faaf6991", "fix the bug"]);
  });

  it("passes instructions as developer_instructions, quoting survives TOML", () => {
    const systemPrompt = 'Say "hi" \\ then\n\ttab and \u007f and é';
    const { args } = codexAdapter.buildCommand({ ...BASE_SPEC, systemPrompt, appendPrompt: "More." });
    expect(overrides(args).developer_instructions).toBe(`${systemPrompt}\n\nMore.`);
    expect(args.at(-1)).toBe("fix the bug");
  });

  it("declares MCP servers as mcp_servers tables", () => {
    const { args } = codexAdapter.buildCommand({
      ...BASE_SPEC,
      mcpServers: {
        "my files": { command: "npx", args: ["-y", "server-files"], env: { "API.KEY": "k" } },
        docs: { type: "http", url: "https://docs.example/mcp", headers: { Authorization: "Bearer t" } },
        bare: { command: "mcp-bare" },
        broken: { type: "http" },
      },
    });
    const values = overrides(args);
    expect(values["mcp_servers.my_files"]).toEqual({
      command: "npx",
      args: ["-y", "server-files"],
      env: { "API.KEY": "k" },
    });
    expect(values["mcp_servers.docs"]).toEqual({
      url: "https://docs.example/mcp",
      http_headers: { Authorization: "Bearer t" },
    });
    expect(values["mcp_servers.bare"]).toEqual({ command: "mcp-bare", args: [] });
    expect(Object.keys(values).filter((key) => key.startsWith("mcp_servers."))).toHaveLength(3);
  });
});

describe("Codex output parser", () => {
  it("reads a text answer (captured from codex 0.169.0)", () => {
    const outputs = parseSample(codexAdapter, "codex-text.jsonl");
    expect(outputs).toEqual([
      { kind: "session", nativeSessionId: "01a20902-831c-7181-8f26-431982f898e6" },
      { kind: "delta", text: "Hello from the stub!" },
      { kind: "turn_complete" },
      { kind: "usage", input: 42, output: 7, cacheRead: 0 },
      { kind: "result", isError: false, text: "Hello from the stub!" },
    ]);
  });

  it("reads a command round trip (captured)", () => {
    const outputs = parseSample(codexAdapter, "codex-tool.jsonl");
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
    expect(only(outputs, "tool_start")[0]).toEqual({
      kind: "tool_start",
      toolUseId: "item_1",
      tool: "exec_command",
      input: { command: "/bin/bash -lc 'echo made-by-codex > proof.txt && cat proof.txt'" },
    });
    expect(only(outputs, "tool_end")[0]).toEqual({
      kind: "tool_end",
      toolUseId: "item_1",
      tool: "exec_command",
      result: "made-by-codex\n",
      isError: false,
    });
    expect(only(outputs, "result")[0]?.text).toMatch(/^Done: /);
  });

  it("reports a failed turn with the API's message (captured)", () => {
    const outputs = parseSample(codexAdapter, "codex-error.jsonl");
    expect(outputs).toEqual([
      { kind: "session", nativeSessionId: "01a20902-ac0c-7033-a80a-946335438354" },
      { kind: "result", isError: true, error: "stub says no" },
    ]);
  });

  it("reads file changes, MCP calls, failing commands and several messages", () => {
    const outputs = parseSample(codexAdapter, "codex-items.jsonl");
    const ends = only(outputs, "tool_end");
    expect(only(outputs, "tool_start").map((start) => start.tool)).toEqual([
      "file_change",
      "mcp__echo__say",
      "exec_command",
    ]);
    expect(ends.map((end) => [end.toolUseId, end.result, end.isError])).toEqual([
      ["item_2", "update /tmp/sample-work/README.md\nadd /tmp/sample-work/NOTES.md", false],
      ["item_3", "echo: ping", false],
      ["item_4", "boom\n", true],
    ]);
    expect(only(outputs, "error")).toEqual([
      { kind: "error", message: "Model metadata for `stub-model` not found." },
    ]);
    expect(deltaText(outputs)).toBe("I'll update the README.Updated README.md.\n\nAll done.");
    expect(only(outputs, "usage")).toEqual([{ kind: "usage", input: 2000, output: 300, cacheRead: 3000 }]);
    expect(only(outputs, "result")).toEqual([
      { kind: "result", isError: false, text: "Updated README.md.\n\nAll done." },
    ]);
  });

  it("treats an error followed by a completed turn as a warning", () => {
    const outputs = parseLines(codexAdapter, [
      '{"type":"thread.started","thread_id":"t1"}',
      '{"type":"error","message":"Reconnecting... 1/5"}',
      '{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"ok"}}',
      '{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}',
    ]);
    expect(only(outputs, "error")).toEqual([{ kind: "error", message: "Reconnecting... 1/5" }]);
    expect(only(outputs, "result")).toEqual([{ kind: "result", isError: false, text: "ok" }]);
  });

  it("emits no result when the process died before finishing its turn", () => {
    const outputs = parseLines(codexAdapter, [
      '{"type":"thread.started","thread_id":"t1"}',
      '{"type":"turn.started"}',
    ]);
    expect(outputs).toEqual([{ kind: "session", nativeSessionId: "t1" }]);
  });
});
