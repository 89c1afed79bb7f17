// Native runs against the Anthropic Messages API and the OpenAI Responses API (type `openai`), each
// through its local stub, with a built-in tool round trip.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AnthropicStub,
  contentText,
  scriptedConversation,
  startAnthropicStub,
  toolResults,
} from "../../fixtures/anthropic-stub.js";
import {
  functionCallOutputs,
  outputText,
  type ResponsesStub,
  scriptedConversation as scriptedResponses,
  startResponsesStub,
} from "../../fixtures/openai-responses-stub.js";
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

let workdir: { dir: string; cleanup: () => Promise<void> };
let anthropic: AnthropicStub | undefined;
let responses: ResponsesStub | undefined;

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await anthropic?.close();
  await responses?.close();
  anthropic = undefined;
  responses = undefined;
  await workdir.cleanup();
});

describe("native run, Anthropic provider", () => {
  it("reads a file through a tool call and answers, with cache usage priced", async () => {
    await writeFile(join(workdir.dir, "todo.txt"), "buy milk\n");
    anthropic = await startAnthropicStub(
      scriptedConversation([
        {
          text: "Reading.",
          toolUse: { id: "toolu_1", name: "read_file", input: { path: "todo.txt" } },
          usage: {
            input_tokens: 50,
            output_tokens: 10,
            cache_read_input_tokens: 1000,
            cache_creation_input_tokens: 200,
          },
        },
        (body) => ({ text: `Your list says: ${contentText(toolResults(body)[0]?.content)}`.trim() }),
      ]),
    );
    const run = startNativeRun({
      // ANTHROPIC_BASE_URL style: no /v1.
      provider: {
        id: "claude",
        name: "Claude",
        type: "anthropic",
        base_url: anthropic.url,
        api_key: "sk-ant-test",
      },
      agent: nativeAgent({
        provider: "claude",
        model: "claude-test",
        system_prompt: "You manage lists.",
        max_tokens: 1000,
      }),
      workdir: workdir.dir,
      prompt: "What is on my list?",
      pricing: TEST_PRICING,
      history: [
        storedMessage(1, { role: "user", content: "Hi" }),
        storedMessage(2, { role: "assistant", content: "Hello!" }),
      ],
    });
    expect((await run.exit).code).toBe(0);

    expect(outputsOf(run.outputs, "tool_end")).toEqual([
      { kind: "tool_end", toolUseId: "toolu_1", tool: "read_file", result: "buy milk\n", isError: false },
    ]);
    expect(resultOf(run.outputs)).toEqual({
      kind: "result",
      text: "Your list says: buy milk",
      isError: false,
    });
    expect(streamedText(run.outputs)).toBe("Reading.Your list says: buy milk");

    const [first, second] = anthropic.requests;
    expect(first?.model).toBe("claude-test");
    expect(first?.max_tokens).toBe(1000);
    expect(contentText(first?.system)).toBe("You manage lists.");
    expect(first?.messages.map((message) => message.role)).toEqual(["user", "assistant", "user"]);
    expect(first?.tools?.map((tool) => tool.name)).toContain("read_file");
    expect(anthropic.log[0]?.headers["x-api-key"]).toBe("sk-ant-test");
    expect(toolResults(second!)).toMatchObject([{ tool_use_id: "toolu_1", content: expect.anything() }]);

    // 50 input + 1000 cache reads + 200 cache writes + 10 output, priced separately.
    expect(run.calls[0]?.tokens).toEqual({ input: 50, output: 10, cache_read: 1000, cache_write: 200 });
    expect(run.calls[0]?.cost_cents).toBe((50 * 300 + 10 * 1500 + 1000 * 30 + 200 * 375) / 1_000_000);
    expect(run.calls[0]?.provider).toBe("claude");
  });

  it("ends with Anthropic's error message on 401", async () => {
    anthropic = await startAnthropicStub(() => ({
      error: { status: 401, type: "authentication_error", message: "invalid x-api-key" },
    }));
    const run = startNativeRun({
      provider: {
        id: "claude",
        name: "Claude",
        type: "anthropic",
        base_url: `${anthropic.url}/v1`,
        api_key: "bad",
      },
      agent: nativeAgent({ model: "claude-test" }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(1);
    expect(resultOf(run.outputs)?.error).toContain("invalid x-api-key");
  });
});

describe("native run, OpenAI provider (Responses API)", () => {
  it("lists the workdir through a tool call and answers", async () => {
    await writeFile(join(workdir.dir, "a.txt"), "a");
    responses = await startResponsesStub(
      scriptedResponses([
        { toolCall: { name: "list_dir", arguments: {}, callId: "call_ls" } },
        (body) => ({ text: `Found: ${outputText(functionCallOutputs(body)[0]!)}` }),
      ]),
    );
    const run = startNativeRun({
      provider: {
        id: "openai",
        name: "OpenAI",
        type: "openai",
        base_url: `${responses.url}/v1`,
        api_key: "sk-test",
      },
      agent: nativeAgent({ provider: "openai", model: "gpt-test" }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(0);
    expect(outputsOf(run.outputs, "tool_end")[0]).toMatchObject({ toolUseId: "call_ls", result: "a.txt" });
    expect(resultOf(run.outputs)?.text).toBe("Found: a.txt");
    expect(responses.requests[0]?.stream).toBe(true);
    expect(run.calls).toHaveLength(2);
  });

  it("fails with the message of an error that arrives inside the stream", async () => {
    responses = await startResponsesStub(() => ({
      error: { status: 200, inStream: true, code: "server_error", message: "The model crashed midway" },
    }));
    const run = startNativeRun({
      provider: {
        id: "openai",
        name: "OpenAI",
        type: "openai",
        base_url: `${responses.url}/v1`,
        api_key: "sk-test",
      },
      agent: nativeAgent({ provider: "openai", model: "gpt-test" }),
      workdir: workdir.dir,
    });
    expect((await run.exit).code).toBe(1);
    expect(resultOf(run.outputs)?.error).toContain("The model crashed midway");
  });
});
