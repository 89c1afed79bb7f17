// Shared set-up for native-runtime tests: a temporary workdir, an agent record, a runner wired to a stub
// provider, and a run whose outputs and provider-call reports are collected.
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../../handlers/capabilities/logger.js";
import type { AgentOutput } from "../../../runtime/executors/adapter.js";
import { createNativeRunner, type NativeRunnerOptions } from "../../../runtime/native/index.js";
import type { ProcessExit, ProviderCallUsage, RunProcess } from "../../../runtime/runs/run-hooks.js";
import type { AgentConfig, AgentRecord } from "../../../storage/agents.js";
import type { ModelPricing, ResolvedProvider } from "../../../storage/provider-types.js";
import type { Scope } from "../../../storage/scopes.js";
import type { SessionMessage } from "../../../storage/sessions.js";

export const TEST_PRICING: ModelPricing = { input: 300, output: 1500, cache_read: 30, cache_write: 375 };

export async function makeWorkdir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  // realpath: on macOS the temp dir is behind a symlink, and tools report resolved paths.
  const root = await realpath(await mkdtemp(join(tmpdir(), "viben-native-")));
  const dir = join(root, "work");
  await mkdir(dir);
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export function nativeAgent(config: Partial<AgentConfig>, id = "helper"): AgentRecord {
  return {
    id,
    // The native runtime reads only the id and the config.
    scope: { kind: "global", workspacePath: "/" } as unknown as Scope,
    configPath: `/agents/${id}/config.yaml`,
    config: { name: id, provider: "stub", model: "stub-model", ...config },
  };
}

export function collectingLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    info: (fields) => lines.push({ level: "info", ...fields }),
    warn: (fields) => lines.push({ level: "warn", ...fields }),
    error: (fields) => lines.push({ level: "error", ...fields }),
  };
}

export interface RunRecord {
  run: RunProcess;
  outputs: AgentOutput[];
  calls: ProviderCallUsage[];
  exit: Promise<ProcessExit>;
}

export interface StartOptions {
  provider: ResolvedProvider;
  agent: AgentRecord;
  workdir: string;
  prompt?: string;
  history?: SessionMessage[];
  runner?: Partial<NativeRunnerOptions>;
  pricing?: ModelPricing;
}

/** Starts a native run and collects what it emits. */
export function startNativeRun(options: StartOptions): RunRecord {
  const runner = createNativeRunner({
    resolveProvider: async () => options.provider,
    pricing: async () => options.pricing,
    logger: collectingLogger(),
    maxRetries: 0,
    ...options.runner,
  });
  const outputs: AgentOutput[] = [];
  const calls: ProviderCallUsage[] = [];
  const run = runner.start({
    agent: options.agent,
    prompt: options.prompt ?? "hello",
    workdir: options.workdir,
    sessionId: "s1",
    runId: "r1",
    history: options.history ?? [],
    onOutput: (output) => outputs.push(output),
    reportCall: (usage) => calls.push(usage),
  });
  return { run, outputs, calls, exit: run.exited };
}

export function outputsOf<K extends AgentOutput["kind"]>(
  outputs: AgentOutput[],
  kind: K,
): Array<Extract<AgentOutput, { kind: K }>> {
  return outputs.filter((output): output is Extract<AgentOutput, { kind: K }> => output.kind === kind);
}

export function streamedText(outputs: AgentOutput[]): string {
  return outputsOf(outputs, "delta")
    .map((output) => output.text)
    .join("");
}

export function resultOf(outputs: AgentOutput[]): Extract<AgentOutput, { kind: "result" }> | undefined {
  return outputsOf(outputs, "result").at(-1);
}

/** A stored session message, as the session repository would give it. */
export function storedMessage(
  seq: number,
  fields: Pick<SessionMessage, "role" | "content"> & Partial<SessionMessage>,
): SessionMessage {
  return {
    id: `m${seq}`,
    seq,
    session_id: "s1",
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
    ...fields,
  };
}

/** Whether a process runs; a zombie (killed, not yet reaped: PID 1 in a container may never reap) does not. */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
