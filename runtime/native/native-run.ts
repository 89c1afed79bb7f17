import type { ModelMessage } from "ai";
import type { Logger } from "../../handlers/capabilities/logger.js";
import { mcpServerConfigs } from "../../storage/agents.js";
import type { ModelPricing, ResolvedProvider } from "../../storage/provider-types.js";
import type { AgentOutput } from "../executors/adapter.js";
import type { NativeRunInput, ProcessExit, RunProcess } from "../runs/run-hooks.js";
import { runConversation } from "./conversation.js";
import { historyToModelMessages } from "./history-messages.js";
import { type McpToolbox, openMcpToolbox } from "./mcp/mcp-toolbox.js";
import type { ModelCallResult } from "./model-call.js";
import { createLanguageModel } from "./provider-model.js";
import { RunUsage } from "./run-usage.js";
import { BUILTIN_TOOLS } from "./tools/builtin-tools.js";
import type { NativeTool } from "./tools/native-tool.js";

/** Everything a native run needs besides its input; see NativeRunnerOptions for the meaning of each. */
export interface NativeRunSettings {
  resolveProvider: (agent: NativeRunInput["agent"]) => Promise<ResolvedProvider | null>;
  pricing: (model: string, agent: NativeRunInput["agent"]) => Promise<ModelPricing | undefined>;
  logger: Logger;
  callTimeoutMs: number;
  shellTimeoutMs: number;
  maxRetries: number;
  defaultMaxTurns: number;
  mcpTimeoutMs: number;
  mcpCallTimeoutMs: number;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * One native run, shaped like a process for the run manager (pid 0): it emits the same outputs a CLI's
 * parser would, and `exited` resolves once everything it started (provider call, tools, MCP servers) is
 * over. Exit code 0 when the model answered (or max_turns ended it), 1 on failure; signal SIGINT when
 * stopped.
 */
export class NativeRun implements RunProcess {
  readonly pid = 0;
  readonly exited: Promise<ProcessExit>;
  private readonly abort = new AbortController();

  constructor(
    private readonly settings: NativeRunSettings,
    private readonly input: NativeRunInput,
  ) {
    this.exited = this.execute();
  }

  /** Aborts the provider call and running tools; resolves once the run has ended. */
  async stop(): Promise<void> {
    this.abort.abort(new Error("the run was stopped"));
    await this.exited;
  }

  private async execute(): Promise<ProcessExit> {
    // The caller records run_started right after start() returns: no output may come before it.
    await new Promise((resolve) => setImmediate(resolve));
    let toolbox: McpToolbox | undefined;
    try {
      return await this.converse((opened) => {
        toolbox = opened;
      });
    } catch (error) {
      return this.fail(error instanceof Error ? error.message : String(error));
    } finally {
      await toolbox
        ?.close()
        .catch((error: unknown) => this.log("warn", "could not close MCP servers", error));
    }
  }

  private async converse(keepToolbox: (toolbox: McpToolbox) => void): Promise<ProcessExit> {
    const { agent, workdir } = this.input;
    const { settings } = this;
    const modelId = agent.config.model;
    const provider = await settings.resolveProvider(agent);
    if (!provider || !modelId) {
      return this.fail(`provider '${agent.config.provider ?? ""}' is not configured for agent '${agent.id}'`);
    }
    const model = createLanguageModel(provider, modelId);
    const usage = new RunUsage(
      await settings.pricing(modelId, agent).catch((error: unknown) => {
        this.log("warn", "could not read model pricing", error);
        return undefined;
      }),
    );

    if (this.abort.signal.aborted) return this.stopped();

    const toolbox = await openMcpToolbox(mcpServerConfigs(agent.config), {
      workdir,
      signal: this.abort.signal,
      timeoutMs: settings.mcpTimeoutMs,
      callTimeoutMs: settings.mcpCallTimeoutMs,
      env: this.input.family?.env({}),
      onError: (message) => {
        this.settings.logger.warn({ msg: "MCP server skipped", run_id: this.input.runId, error: message });
        this.emit({ kind: "error", message });
      },
    });
    keepToolbox(toolbox);
    if (this.abort.signal.aborted) return this.stopped();

    const system = [agent.config.system_prompt, agent.config.append_prompt]
      .filter((part): part is string => typeof part === "string" && part.trim() !== "")
      .join("\n\n");
    const messages: ModelMessage[] = [
      ...historyToModelMessages(this.input.history),
      { role: "user", content: this.input.prompt },
    ];
    const maxTurns = agent.config.max_turns ?? settings.defaultMaxTurns;
    const end = await runConversation({
      model,
      system: system || undefined,
      messages,
      tools: this.gated([...BUILTIN_TOOLS, ...(this.input.extraTools ?? []), ...toolbox.tools]),
      takeHints: this.input.takeHints,
      toolContext: {
        workdir,
        signal: this.abort.signal,
        shellTimeoutMs: settings.shellTimeoutMs,
        env: settings.env,
        family: this.input.family,
      },
      maxTurns,
      temperature: agent.config.temperature,
      maxOutputTokens: agent.config.max_tokens,
      maxRetries: settings.maxRetries,
      idleTimeoutMs: settings.callTimeoutMs,
      signal: this.abort.signal,
      onOutput: (output) => this.emit(output),
      onCall: (call) => this.recordCall(call, provider, modelId, usage),
    });

    switch (end.kind) {
      case "answered":
        this.emit({ kind: "result", text: end.text, isError: false });
        return { code: 0, signal: null, stderrTail: "" };
      case "max_turns": {
        // Not an error: the agent did work within its budget of turns. The answer says it stopped early.
        const note = `[stopped after ${end.turns} turns: the agent's max_turns limit was reached before it finished]`;
        this.emit({
          kind: "result",
          text: end.text.trim() ? `${end.text.trim()}\n\n${note}` : note,
          isError: false,
        });
        return { code: 0, signal: null, stderrTail: "" };
      }
      case "failed":
        return this.fail(end.error);
      case "stopped":
        return this.stopped();
    }
  }

  /** Adds a finished provider call to the run's usage, emits the totals, and reports it for the ledger. */
  private recordCall(
    call: ModelCallResult,
    provider: ResolvedProvider,
    model: string,
    usage: RunUsage,
  ): void {
    const cents = usage.add(call.tokens);
    this.emit(usage.toOutput());
    if (call.error) this.log("warn", "provider call failed", call.error);
    try {
      this.input.reportCall({
        run_id: this.input.runId,
        session_id: this.input.sessionId,
        agent_id: this.input.agent.id,
        provider: provider.id,
        model,
        tokens: call.tokens,
        cost_cents: cents,
        duration_ms: call.durationMs,
        ...(call.error ? { error: call.error } : call.stopped ? { error: "stopped" } : {}),
      });
    } catch (error) {
      this.log("error", "reportCall failed", error);
    }
  }

  private gated(tools: NativeTool[]): NativeTool[] {
    return this.input.wrapTools ? this.input.wrapTools(tools) : tools;
  }

  private fail(error: string): ProcessExit {
    this.emit({ kind: "result", isError: true, error });
    return { code: 1, signal: null, stderrTail: error };
  }

  private stopped(): ProcessExit {
    return { code: 1, signal: "SIGINT", stderrTail: "" };
  }

  private emit(output: AgentOutput): void {
    try {
      this.input.onOutput(output);
    } catch (error) {
      this.log("error", "onOutput failed", error);
    }
  }

  private log(level: "warn" | "error", msg: string, error: unknown): void {
    this.settings.logger[level]({
      msg,
      run_id: this.input.runId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
