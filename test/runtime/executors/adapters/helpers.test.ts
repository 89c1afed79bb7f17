import { parse as parseToml } from "smol-toml";
import { describe, expect, it } from "vitest";
import { jsonLinesParser, parseJsonObject } from "../../../../runtime/executors/json-lines.js";
import { convertMcpServers, mcpTransport } from "../../../../runtime/executors/mcp-servers.js";
import { instructionsOf, promptWithInstructions } from "../../../../runtime/executors/prompt-text.js";
import { RunOutputs } from "../../../../runtime/executors/run-outputs.js";
import { StreamedText } from "../../../../runtime/executors/streamed-text.js";
import { addUsage, readTokenUsage } from "../../../../runtime/executors/token-usage.js";
import { tomlValue } from "../../../../runtime/executors/toml-values.js";
import { BASE_SPEC } from "./samples.js";

describe("parseJsonObject / jsonLinesParser", () => {
  it("accepts JSON objects only", () => {
    expect(parseJsonObject(' {"type":"x"} ')).toEqual({ type: "x" });
    for (const line of ["", "text", "[1]", "null", "{broken", '"s"'])
      expect(parseJsonObject(line)).toBeUndefined();
  });

  it("keeps going when a handler throws, with the outputs it reported before", () => {
    const out = new RunOutputs();
    const parser = jsonLinesParser(out, {
      event(event) {
        out.delta(String(event.text));
        if (event.boom) throw new Error("unexpected shape");
      },
      end() {
        throw new Error("at end too");
      },
    });
    expect(parser.line('{"text":"a","boom":true}')).toEqual([{ kind: "delta", text: "a" }]);
    expect(parser.line('{"text":"b"}')).toEqual([{ kind: "delta", text: "b" }]);
    expect(parser.end()).toEqual([]);
  });
});

describe("RunOutputs", () => {
  it("reports a session once, names tool results and completes a turn when all its tools answered", () => {
    const out = new RunOutputs();
    out.session("s1", "m");
    out.session("s1");
    out.delta("Looking.");
    out.toolStart("t1", "Read", { path: "a" });
    out.toolStart("t2", "Bash", { command: "ls" });
    out.toolEnd("t1", "file", false);
    const beforeLast = out.drain();
    expect(beforeLast.map((o) => o.kind)).toEqual([
      "session",
      "delta",
      "tool_start",
      "tool_start",
      "tool_end",
    ]);
    expect(beforeLast[4]).toEqual({
      kind: "tool_end",
      toolUseId: "t1",
      tool: "Read",
      result: "file",
      isError: false,
    });
    out.toolEnd("t2", "a\nb", false);
    expect(out.drain().map((o) => o.kind)).toEqual(["tool_end", "turn_complete"]);
  });

  it("completes an open turn before the result, emits one result and tracks the text after the last tool", () => {
    const out = new RunOutputs();
    out.delta("before ");
    out.toolStart(undefined, "Bash", {});
    out.toolEnd(undefined, "", false);
    out.delta("after");
    expect(out.answerText).toBe("after");
    out.result({ isError: false, text: "after" });
    out.result({ isError: true, error: "late" });
    out.turnComplete();
    expect(out.drain().map((o) => o.kind)).toEqual([
      "delta",
      "tool_start",
      "tool_end",
      "turn_complete",
      "delta",
      "turn_complete",
      "result",
    ]);
  });

  it("drops empty deltas and messages", () => {
    const out = new RunOutputs();
    out.delta("");
    out.delta(undefined);
    out.error(undefined);
    out.turnComplete();
    expect(out.drain()).toEqual([]);
  });
});

describe("StreamedText", () => {
  it("hides a complete block that was streamed, emits what was not", () => {
    const streamed = new StreamedText();
    expect(streamed.unstreamed("not streamed")).toBe("not streamed");
    streamed.add("Hello ");
    streamed.add("world");
    expect(streamed.unstreamed("Hello world")).toBe("");
    streamed.add("Second block");
    expect(streamed.unstreamed("Second block, and more")).toBe(", and more");
    streamed.add("partial");
    streamed.reset();
    expect(streamed.unstreamed("fresh")).toBe("fresh");
  });

  it("matches consecutive blocks streamed before their complete copies", () => {
    const streamed = new StreamedText();
    streamed.add("one");
    streamed.add("two");
    expect(streamed.unstreamed("one")).toBe("");
    expect(streamed.unstreamed("two")).toBe("");
    expect(streamed.unstreamed("three")).toBe("three");
  });
});

describe("tomlValue", () => {
  it("round-trips strings, arrays and inline tables through a TOML parser", () => {
    const value = {
      command: 'quote " backslash \\ newline \n tab \t del \u007f nul \u0000 emoji 🎉',
      args: ["-y", "pkg@1"],
      env: { "DOTTED.KEY": "v", "with space": "w", plain_key: "x" },
      nested: [{ a: "b" }],
    };
    expect(parseToml(`v = ${tomlValue(value)}`).v).toEqual(value);
  });

  it("writes numbers and booleans bare", () => {
    expect(tomlValue(false)).toBe("false");
    expect(tomlValue(3)).toBe("3");
  });
});

describe("prompt text", () => {
  it("joins system and append prompts with a blank line, skipping blank ones", () => {
    expect(instructionsOf({ ...BASE_SPEC, systemPrompt: "A", appendPrompt: "B" })).toBe("A\n\nB");
    expect(instructionsOf({ ...BASE_SPEC, systemPrompt: "\n", appendPrompt: "" })).toBeUndefined();
    expect(promptWithInstructions({ ...BASE_SPEC, appendPrompt: "B" })).toBe("B\n\nfix the bug");
    expect(promptWithInstructions({ ...BASE_SPEC, appendPrompt: "B", resumeSessionId: "s" })).toBe(
      "fix the bug",
    );
  });
});

describe("MCP servers", () => {
  it("settles the transport and skips servers missing a command or URL", () => {
    expect(mcpTransport({ command: "x" })).toBe("stdio");
    expect(mcpTransport({ url: "https://x" })).toBe("http");
    expect(mcpTransport({ type: "sse", url: "https://x" })).toBe("sse");
    const converted = convertMcpServers(
      { ok: { command: "x", env: {} }, noCommand: { args: ["a"] }, noUrl: { type: "http" } },
      (server) => server,
    );
    expect(converted).toEqual({ ok: { transport: "stdio", command: "x", args: [] } });
    expect(convertMcpServers({ bad: { type: "sse" } }, (server) => server)).toBeUndefined();
  });
});

describe("token usage", () => {
  it("reads snake_case and camelCase counts, subtracting cache reads when the CLI counts them in", () => {
    expect(readTokenUsage({ input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: 3 })).toEqual({
      input: 10,
      output: 2,
      cacheWrite: 3,
    });
    expect(
      readTokenUsage(
        { inputTokens: 10, outputTokens: 2, cacheReadTokens: 4 },
        { inputIncludesCacheRead: true },
      ),
    ).toEqual({
      input: 6,
      output: 2,
      cacheRead: 4,
    });
    expect(readTokenUsage({ total: 5 })).toBeUndefined();
    expect(readTokenUsage("x")).toBeUndefined();
  });

  it("adds usages, keeping optional counts that either side has", () => {
    expect(addUsage(undefined, { input: 1, output: 1 })).toEqual({ input: 1, output: 1 });
    expect(addUsage({ input: 1, output: 2, costUsd: 0.5 }, { input: 3, output: 4, cacheRead: 5 })).toEqual({
      input: 4,
      output: 6,
      cacheRead: 5,
      costUsd: 0.5,
    });
  });
});
