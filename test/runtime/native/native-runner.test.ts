// createNativeRunner().check(): refusing agents that cannot run, before anything is stored.
import { describe, expect, it } from "vitest";
import { createNativeRunner } from "../../../runtime/native/index.js";
import { StorageError } from "../../../storage/errors.js";
import type { ResolvedProvider } from "../../../storage/provider-types.js";
import { collectingLogger, nativeAgent } from "./native-harness.js";

function runner(resolved: ResolvedProvider | null) {
  return createNativeRunner({
    resolveProvider: async () => resolved,
    pricing: async () => undefined,
    logger: collectingLogger(),
  });
}

const local: ResolvedProvider = {
  id: "local",
  name: "Local",
  type: "openai-compatible",
  base_url: "http://127.0.0.1:1/v1",
};

async function refusal(promise: Promise<void>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe("native runner check", () => {
  it("accepts an agent whose provider resolves", async () => {
    await expect(
      runner(local).check(nativeAgent({ provider: "local", model: "m" })),
    ).resolves.toBeUndefined();
  });

  it("refuses an agent without provider or model as AGENT_NOT_RUNNABLE", async () => {
    const noProvider = await refusal(runner(local).check(nativeAgent({ provider: undefined })));
    expect(noProvider).toMatchObject({
      kind: "validation",
      code: "AGENT_NOT_RUNNABLE",
      details: { field: "provider" },
    });
    const noModel = await refusal(runner(local).check(nativeAgent({ model: undefined })));
    expect(noModel).toMatchObject({ code: "AGENT_NOT_RUNNABLE", details: { field: "model" } });
    expect(noModel.message).toContain("model");
  });

  it("refuses an agent whose provider is not configured as PROVIDER_NOT_CONFIGURED", async () => {
    const error = await refusal(runner(null).check(nativeAgent({ provider: "ghost" })));
    expect(error).toMatchObject({
      kind: "validation",
      code: "PROVIDER_NOT_CONFIGURED",
      details: { provider: "ghost" },
    });
    expect(error.message).toContain("'ghost'");
  });

  it("refuses an openai-compatible provider without base_url", async () => {
    const error = await refusal(
      runner({ ...local, base_url: undefined }).check(nativeAgent({ provider: "local" })),
    );
    expect(error).toMatchObject({ code: "PROVIDER_NOT_CONFIGURED" });
    expect(error.message).toContain("base_url");
  });

  it("starts a run that fails cleanly when the provider is gone by then", async () => {
    const outputs: unknown[] = [];
    const run = runner(null).start({
      agent: nativeAgent({}),
      prompt: "hi",
      workdir: "/tmp",
      sessionId: "s",
      runId: "r",
      history: [],
      onOutput: (output) => outputs.push(output),
      reportCall: () => {},
    });
    expect(run.pid).toBe(0);
    // Nothing is emitted synchronously: the caller records run_started first.
    expect(outputs).toEqual([]);
    const exit = await run.exited;
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.stderrTail).toContain("not configured");
    expect(outputs).toEqual([
      { kind: "result", isError: true, error: expect.stringContaining("not configured") },
    ]);
  });
});
