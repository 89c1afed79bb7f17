// Native runs against an OpenAI-compatible provider (the Chat Completions stub): streaming, usage and
// cost, a built-in tool round trip, history, errors, timeouts, stop and max_turns.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResolvedProvider } from "../../../storage/provider-types.js";
import {
  type ChatStubScript,
  chatContentText,
  chatToolResults,
  type OpenAIChatStub,
  scriptedChat,
  startOpenAIChatStub,
} from "../../fixtures/openai-chat-stub.js";
import {
  makeWorkdir,
  nativeAgent,
  outputsOf,
  resultOf,
  startNativeRun,
  storedMessage,
  streamedText,
  TEST_PRICING,
} from "./native-harness.js";

let stub: OpenAIChatStub | undefined;
let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  await workdir.cleanup();
});

async function provider(script: ChatStubScript): Promise<ResolvedProvider> {
  stub = await startOpenAIChatStub(script);
  return {
    id: "local",
    name: "Local",
    type: "openai-compatible",
    base_url: stub.baseURL,
    api_key: "sk-test",
  };
}

describe("native run, OpenAI-compatible provider", () => {
  it("streams text, reports usage and cost, and ends with the answer", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({
        text: "Hello from the stub",
        chunks: 3,
        usage: { prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 400 } },
      })),
      agent: nativeAgent({
        system_prompt: "Be brief.",
        append_prompt: "Answer in English.",
        temperature: 0.2,
        max_tokens: 321,
      }),
      workdir: workdir.dir,
      prompt: "Say hello",
      pricing: TEST_PRICING,
    });
    expect(await run.exit).toEqual({ code: 0, signal: null, stderrTail: "" });

    expect(outputsOf(run.outputs, "delta").length).toBe(3);
    expect(streamedText(run.outputs)).toBe("Hello from the stub");
    expect(resultOf(run.outputs)).toEqual({ kind: "result", text: "Hello from the stub", isError: false });
    // 600 uncached input, 400 cache reads, 200 output: 600*300 + 400*30 + 200*1500 per million = 0.492 cents.
    expect(outputsOf(run.outputs, "usage").at(-1)).toEqual({
      kind: "usage",
      input: 600,
      output: 200,
      cacheRead: 400,
      cacheWrite: 0,
      costUsd: 0.00492,
    });
    expect(run.outputs.map((output) => output.kind)).toEqual([
      "delta",
      "delta",
      "delta",
      "usage",
      "turn_complete",
      "result",
    ]);

    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]).toMatchObject({
      run_id: "r1",
      session_id: "s1",
      agent_id: "helper",
      provider: "local",
      model: "stub-model",
      tokens: { input: 600, output: 200, cache_read: 400, cache_write: 0 },
      cost_cents: 0.492,
    });
    expect(run.calls[0]?.error).toBeUndefined();
    expect(run.calls[0]?.duration_ms).toBeGreaterThanOrEqual(0);

    const request = stub!.requests[0]!;
    expect(request.model).toBe("stub-model");
    expect(request.stream).toBe(true);
    expect(request.stream_options?.include_usage).toBe(true);
    expect(request.temperature).toBe(0.2);
    expect(request.max_tokens).toBe(321);
    expect(request.messages[0]).toEqual({ role: "system", content: "Be brief.\n\nAnswer in English." });
    expect(request.messages.at(-1)).toEqual({ role: "user", content: "Say hello" });
    expect(request.tools?.map((tool) => tool.function.name).sort()).toEqual([
      "list_dir",
      "read_file",
      "run_shell",
      "write_file",
    ]);
    expect(stub!.log[0]?.headers.authorization).toBe("Bearer sk-test");
  });

  it("runs a built-in tool the model asks for and sends its result back", async () => {
    const run = startNativeRun({
      provider: await provider(
        scriptedChat([
          {
            text: "Writing it.",
            toolCalls: {
              id: "call_w",
              name: "write_file",
              arguments: { path: "notes/hello.txt", content: "hi there\n" },
            },
            usage: { prompt_tokens: 100, completion_tokens: 20 },
          },
          { text: "Done: the file is written.", usage: { prompt_tokens: 150, completion_tokens: 10 } },
        ]),
      ),
      agent: nativeAgent({}),
      workdir: workdir.dir,
      prompt: "Write hello.txt",
      pricing: TEST_PRICING,
    });
    expect((await run.exit).code).toBe(0);

    expect(await readFile(join(workdir.dir, "notes/hello.txt"), "utf8")).toBe("hi there\n");
    expect(outputsOf(run.outputs, "tool_start")).toEqual([
      {
        kind: "tool_start",
        toolUseId: "call_w",
        tool: "write_file",
        input: { path: "notes/hello.txt", content: "hi there\n" },
      },
    ]);
    expect(outputsOf(run.outputs, "tool_end")).toEqual([
      {
        kind: "tool_end",
        toolUseId: "call_w",
        tool: "write_file",
        result: "wrote 9 bytes to notes/hello.txt",
        isError: false,
      },
    ]);
    expect(run.outputs.map((output) => output.kind)).toEqual([
      "delta",
      "delta",
      "delta",
      "usage",
      "tool_start",
      "tool_end",
      "turn_complete",
      ...Array(3).fill("delta"),
      "usage",
      "turn_complete",
      "result",
    ]);
    expect(resultOf(run.outputs)?.text).toBe("Done: the file is written.");

    // The second request carries the assistant's call and the tool's result.
    const second = stub!.requests[1]!;
    const assistant = second.messages.find((message) => message.role === "assistant");
    expect(assistant?.tool_calls?.[0]).toMatchObject({
      id: "call_w",
      function: { name: "write_file" },
    });
    const results = chatToolResults(second);
    expect(results).toHaveLength(1);
    expect(results[0]?.tool_call_id).toBe("call_w");
    expect(chatContentText(results[0]?.content)).toBe("wrote 9 bytes to notes/hello.txt");

    // One ledger row per call, run totals summed in the last usage output.
    expect(run.calls.map((call) => call.tokens)).toEqual([
      { input: 100, output: 20, cache_read: 0, cache_write: 0 },
      { input: 150, output: 10, cache_read: 0, cache_write: 0 },
    ]);
    expect(run.calls.map((call) => call.cost_cents)).toEqual([0.06, 0.06]);
    expect(outputsOf(run.outputs, "usage").at(-1)).toMatchObject({ input: 250, output: 30, costUsd: 0.0012 });
  });

  it("sends the session's earlier messages, tool calls and results included", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({ text: "You asked about the weather." })),
      agent: nativeAgent({}),
      workdir: workdir.dir,
      prompt: "What did I ask first?",
      history: [
        storedMessage(1, { role: "user", content: "What is the weather?" }),
        storedMessage(2, {
          role: "assistant",
          content: "Let me check.",
          tool_calls: [{ id: "call_1", name: "run_shell", input: { command: "curl wttr.in" } }],
        }),
        storedMessage(3, { role: "tool", content: "Sunny", tool_use_id: "call_1", tool_name: "run_shell" }),
        storedMessage(4, { role: "assistant", content: "It is sunny." }),
      ],
    });
    expect((await run.exit).code).toBe(0);
    const { messages } = stub!.requests[0]!;
    expect(messages.map((message) => message.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
      "user",
    ]);
    expect(messages[0]?.content).toBe("What is the weather?");
    expect(messages[1]?.content).toBe("Let me check.");
    expect(messages[1]?.tool_calls).toEqual([
      {
        id: "call_1",
        type: "function",
        function: { name: "run_shell", arguments: '{"command":"curl wttr.in"}' },
      },
    ]);
    expect(messages[2]).toMatchObject({ role: "tool", tool_call_id: "call_1", content: "Sunny" });
    expect(messages[3]?.content).toBe("It is sunny.");
    expect(messages[4]?.content).toBe("What did I ask first?");
  });

  it.each([
    { status: 500, type: "server_error", message: "The server had an error while processing your request" },
    { status: 401, type: "invalid_request_error", message: "Incorrect API key provided" },
  ])("ends with the provider's message when it answers HTTP $status", async (error) => {
    const run = startNativeRun({
      provider: await provider(() => ({ error })),
      agent: nativeAgent({}),
      workdir: workdir.dir,
    });
    const exit = await run.exit;
    expect(exit.code).toBe(1);
    expect(exit.signal).toBeNull();
    expect(exit.stderrTail).toContain(error.message);
    const result = resultOf(run.outputs);
    expect(result?.isError).toBe(true);
    expect(result?.error).toContain(error.message);
    expect(result?.error).toContain(`HTTP ${error.status}`);
    // maxRetries 0: exactly one request, and one ledger row carrying the error.
    expect(stub!.requests).toHaveLength(1);
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]?.error).toContain(error.message);
    expect(run.calls[0]?.tokens).toEqual({ input: 0, output: 0, cache_read: 0, cache_write: 0 });
  });

  it("aborts a provider that sends nothing after callTimeoutMs and fails the run", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({ hang: true })),
      agent: nativeAgent({}),
      workdir: workdir.dir,
      runner: { callTimeoutMs: 300 },
    });
    const started = Date.now();
    const exit = await run.exit;
    // Far below the default call timeout (120 s): the 0.3 s one ended it.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(exit.code).toBe(1);
    expect(resultOf(run.outputs)?.error).toMatch(/sent nothing for 0\.3 s/);
    expect(run.calls[0]?.error).toMatch(/sent nothing/);
    await expect.poll(() => stub!.log[0]?.aborted).toBe(true);
  });

  it("aborts a stream that stalls midway, keeping the text streamed so far", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({ text: "partial answer", hang: true })),
      agent: nativeAgent({}),
      workdir: workdir.dir,
      runner: { callTimeoutMs: 300 },
    });
    expect((await run.exit).code).toBe(1);
    expect(streamedText(run.outputs)).toBe("partial answer");
    expect(resultOf(run.outputs)?.isError).toBe(true);
  });

  it("stops mid-stream promptly with SIGINT", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({ text: "a long answer that never ends", chunks: 5, hang: true })),
      agent: nativeAgent({}),
      workdir: workdir.dir,
    });
    await expect.poll(() => outputsOf(run.outputs, "delta").length).toBe(5);
    // The stream never ends by itself: the run ending at all is the stop's doing.
    await run.run.stop();
    expect(await run.exit).toEqual({ code: 1, signal: "SIGINT", stderrTail: "" });
    expect(outputsOf(run.outputs, "result")).toEqual([]);
    expect(run.calls[0]?.error).toBe("stopped");
    await expect.poll(() => stub!.log[0]?.aborted).toBe(true);
  });

  it("stops a running shell command and kills it", async () => {
    const marker = join(workdir.dir, "after-sleep");
    const run = startNativeRun({
      provider: await provider(
        scriptedChat([
          { toolCalls: { name: "run_shell", arguments: { command: `sleep 30; touch ${marker}` } } },
        ]),
      ),
      agent: nativeAgent({}),
      workdir: workdir.dir,
    });
    await expect.poll(() => outputsOf(run.outputs, "tool_start").length).toBe(1);
    const started = Date.now();
    await run.run.stop();
    // Well before the 30 s the command would take.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((await run.exit).signal).toBe("SIGINT");
    expect(outputsOf(run.outputs, "tool_end")[0]).toMatchObject({
      isError: true,
      result: expect.stringContaining("stopped"),
    });
    expect(stub!.requests).toHaveLength(1);
  });

  it("ends after max_turns model calls with a result saying so", async () => {
    const run = startNativeRun({
      provider: await provider(() => ({
        text: "Still looking.",
        toolCalls: { name: "list_dir", arguments: {} },
      })),
      agent: nativeAgent({ max_turns: 2 }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);
    expect(stub!.requests).toHaveLength(2);
    expect(outputsOf(run.outputs, "tool_end")).toHaveLength(2);
    expect(outputsOf(run.outputs, "turn_complete")).toHaveLength(2);
    const result = resultOf(run.outputs);
    expect(result?.isError).toBe(false);
    expect(result?.text).toMatch(/^Still looking\.\n\n\[stopped after 2 turns: the agent's max_turns limit/);
    expect(run.calls).toHaveLength(2);
  });

  it("sends an error result back for a call to an unknown tool or with bad input", async () => {
    const run = startNativeRun({
      provider: await provider(
        scriptedChat([
          {
            toolCalls: [
              { id: "c1", name: "no_such_tool", arguments: {} },
              { id: "c2", name: "read_file", arguments: { path: 42 } },
            ],
          },
          { text: "Sorry." },
        ]),
      ),
      agent: nativeAgent({}),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);
    const ends = outputsOf(run.outputs, "tool_end");
    expect(ends.map((end) => [end.toolUseId, end.isError])).toEqual([
      ["c1", true],
      ["c2", true],
    ]);
    expect(ends[0]?.result).toMatch(/no_such_tool/);
    const results = chatToolResults(stub!.requests[1]!);
    expect(results.map((result) => result.tool_call_id)).toEqual(["c1", "c2"]);
  });
});
