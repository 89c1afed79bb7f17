// The native runner wired to storage: the agent's provider file resolved (${ENV} expanded) and its
// model priced from the provider file, as the Node gateway runs it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AgentOutput } from "../../../runtime/executors/adapter.js";
import { createGatewayNativeRunner } from "../../../runtime/native/index.js";
import type { ProviderCallUsage } from "../../../runtime/runs/run-hooks.js";
import { memoryBackends } from "../../../storage/drivers/memory.js";
import { ProviderRepository } from "../../../storage/providers.js";
import { Scopes } from "../../../storage/scopes.js";
import { type OpenAIChatStub, startOpenAIChatStub } from "../../fixtures/openai-chat-stub.js";
import { collectingLogger, makeWorkdir, nativeAgent, outputsOf } from "./native-harness.js";

let stub: OpenAIChatStub;
let workdir: { dir: string; cleanup: () => Promise<void> };

beforeEach(async () => {
  stub = await startOpenAIChatStub(() => ({
    text: "hi",
    usage: { prompt_tokens: 1_000_000, completion_tokens: 0 },
  }));
  workdir = await makeWorkdir();
});

afterEach(async () => {
  await stub.close();
  await workdir.cleanup();
});

describe("createGatewayNativeRunner", () => {
  it("resolves the agent's provider from storage and prices calls from its models", async () => {
    const scopes = new Scopes({ home: "/home/u", globalRoot: "/home/u/.viben", backend: memoryBackends() });
    const providers = new ProviderRepository(scopes.global(), () => new Date());
    await providers.create(scopes.global(), "local", {
      type: "openai-compatible",
      base_url: stub.baseURL,
      api_key: "${LOCAL_KEY}",
      models: [{ id: "stub-model", pricing: { input: 7, output: 9 } }],
    });
    const runner = createGatewayNativeRunner({
      globalScope: scopes.global(),
      env: { LOCAL_KEY: "sk-from-env", PATH: process.env.PATH },
      logger: collectingLogger(),
      providers,
      maxRetries: 0,
    });

    await expect(runner.check(nativeAgent({ provider: "missing" }))).rejects.toMatchObject({
      code: "PROVIDER_NOT_CONFIGURED",
    });
    const agent = nativeAgent({ provider: "local", model: "stub-model" });
    await runner.check(agent);

    const outputs: AgentOutput[] = [];
    const calls: ProviderCallUsage[] = [];
    const run = runner.start({
      agent,
      prompt: "hello",
      workdir: workdir.dir,
      sessionId: "s1",
      runId: "r1",
      history: [],
      onOutput: (output) => outputs.push(output),
      reportCall: (usage) => calls.push(usage),
    });
    expect((await run.exited).code).toBe(0);
    expect(stub.log[0]?.headers.authorization).toBe("Bearer sk-from-env");
    // One million input tokens at 7 cents per million.
    expect(calls.map((call) => call.cost_cents)).toEqual([7]);
    expect(outputsOf(outputs, "usage").at(-1)?.costUsd).toBe(0.07);
  });
});
