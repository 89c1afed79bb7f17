// A native run through the RunManager, as /api/chat, spawn and /ws start it: the same events, stored
// messages and history as an executor run, and a second run that sees the first one's conversation.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEventBus } from "../../../runtime/event-bus.js";
import { createNativeRunner } from "../../../runtime/native/index.js";
import type { ProviderCallUsage } from "../../../runtime/runs/run-hooks.js";
import { RunManager } from "../../../runtime/runs/run-manager.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { MemoryAppendLog } from "../../../storage/drivers/memory-append-log.js";
import { HistoryRepository } from "../../../storage/history.js";
import { Scopes } from "../../../storage/scopes.js";
import { SessionRepository } from "../../../storage/sessions.js";
import {
  chatContentText,
  type OpenAIChatStub,
  scriptedChat,
  startOpenAIChatStub,
} from "../../fixtures/openai-chat-stub.js";
import { collectingLogger, makeWorkdir, nativeAgent, TEST_PRICING } from "./native-harness.js";

const silentLogger = collectingLogger();
// Native runs never look at executors.
const noExecutors = {
  list: async () => [],
  get: async () => {
    throw new Error("no executors here");
  },
};

let stub: OpenAIChatStub;
let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await stub.close();
  await workdir.cleanup();
});

function gateway() {
  const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
  const log = new MemoryAppendLog();
  const history = new HistoryRepository({ log });
  const sessions = new SessionRepository({ scope: scopes.global(), log, history });
  const events = createEventBus();
  const subscription = events.subscribe({});
  const providerCalls: ProviderCallUsage[] = [];
  let id = 0;
  const runs = new RunManager({
    sessions,
    events,
    executors: noExecutors,
    globalScope: scopes.global(),
    env: {},
    logger: silentLogger,
    newId: () => `run-${++id}`,
    now: () => new Date(),
    native: createNativeRunner({
      resolveProvider: async () => ({
        id: "local",
        name: "Local",
        type: "openai-compatible",
        base_url: stub.baseURL,
      }),
      pricing: async () => TEST_PRICING,
      logger: silentLogger,
      maxRetries: 0,
    }),
    hooks: { onProviderCall: (usage) => providerCalls.push(usage) },
  });
  const eventTypes = async () => {
    const types: string[] = [];
    for (;;) {
      const event = await Promise.race([
        subscription.next(),
        new Promise<null>((r) => setTimeout(() => r(null), 50)),
      ]);
      if (!event) return types;
      types.push(event.type);
    }
  };
  return { runs, sessions, events, subscription, providerCalls, eventTypes };
}

describe("native runs through the RunManager", () => {
  it("records events, messages and tokens like an executor run, and feeds the next run its history", async () => {
    stub = await startOpenAIChatStub(
      scriptedChat([
        {
          text: "Saving.",
          toolCalls: {
            id: "call_1",
            name: "write_file",
            arguments: { path: "plan.md", content: "# Plan\n" },
          },
          usage: { prompt_tokens: 100, completion_tokens: 10 },
        },
        { text: "Saved plan.md.", usage: { prompt_tokens: 200, completion_tokens: 20 } },
        (body) => ({
          text: `Earlier you got: ${chatContentText(body.messages.find((message) => message.role === "tool")?.content)}`,
        }),
      ]),
    );
    const { runs, sessions, providerCalls, eventTypes } = gateway();
    const agent = nativeAgent({});
    const first = await runs.start({ agent, prompt: "Write a plan", workdir: workdir.dir, source: "chat" });
    const outcome = await first.done;
    expect(outcome).toMatchObject({
      status: "completed",
      response: "Saved plan.md.",
      toolsUsed: ["write_file"],
      tokens: { input: 300, output: 30 },
      // (300 * 300 + 30 * 1500) / 1e6
      costCents: 0.135,
    });
    expect(first.pid).toBe(0);
    expect(await readFile(join(workdir.dir, "plan.md"), "utf8")).toBe("# Plan\n");
    expect(await eventTypes()).toEqual([
      "run_started",
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
      "run_complete",
    ]);
    expect(providerCalls.map((call) => call.run_id)).toEqual(["run-1", "run-1"]);

    const { messages } = await sessions.listMessages(first.sessionId);
    expect(messages.map((message) => [message.role, message.content])).toEqual([
      ["user", "Write a plan"],
      ["assistant", "Saving."],
      ["tool", "wrote 7 bytes to plan.md"],
      ["assistant", "Saved plan.md."],
    ]);
    expect(messages[1]?.tool_calls).toEqual([
      { id: "call_1", name: "write_file", input: { path: "plan.md", content: "# Plan\n" } },
    ]);

    // The next run in the session sends all of it back, the tool exchange included.
    const second = await runs.start({
      agent,
      prompt: "What did the tool say?",
      workdir: workdir.dir,
      sessionId: first.sessionId,
      source: "chat",
    });
    expect((await second.done).response).toBe("Earlier you got: wrote 7 bytes to plan.md");
    const sent = stub.requests[2]!.messages.filter((message) => message.role !== "system");
    expect(sent.map((message) => message.role)).toEqual(["user", "assistant", "tool", "assistant", "user"]);
    expect(sent[1]?.tool_calls?.[0]?.id).toBe("call_1");
  });

  it("turns a provider error into run_error with the provider's message", async () => {
    stub = await startOpenAIChatStub(() => ({
      error: { status: 401, message: "Incorrect API key provided" },
    }));
    const { runs } = gateway();
    const handle = await runs.start({
      agent: nativeAgent({}),
      prompt: "hi",
      workdir: workdir.dir,
      source: "chat",
    });
    const outcome = await handle.done;
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toContain("Incorrect API key provided");
  });

  it("stops a native run on request", async () => {
    stub = await startOpenAIChatStub(() => ({ text: "never finishing", hang: true }));
    const { runs } = gateway();
    const handle = await runs.start({
      agent: nativeAgent({}),
      prompt: "hi",
      workdir: workdir.dir,
      source: "chat",
    });
    await expect.poll(() => stub.requests.length).toBe(1);
    expect(await runs.stop(handle.sessionId)).toBe(true);
    const outcome = await handle.done;
    expect(outcome.status).toBe("stopped");
  });

  it("refuses an agent whose provider is missing before storing anything", async () => {
    stub = await startOpenAIChatStub(() => ({ text: "x" }));
    const { runs, sessions } = gateway();
    await expect(
      runs.start({
        agent: nativeAgent({ provider: undefined }),
        prompt: "hi",
        workdir: workdir.dir,
        source: "chat",
      }),
    ).rejects.toMatchObject({ code: "AGENT_NOT_RUNNABLE" });
    expect(await sessions.list()).toEqual([]);
  });
});
