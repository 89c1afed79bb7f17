import type { EventBus } from "../../handlers/capabilities/events.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunOutcome } from "../../handlers/capabilities/runs.js";
import { findModelPricing } from "../../storage/model-catalogue.js";
import { costCents, type ModelPricing } from "../../storage/provider-types.js";
import type { SessionMessageInput, SessionRecord, SessionRepository } from "../../storage/sessions.js";
import type { AgentOutput } from "../executors/adapter.js";
import type { ProcessExit, RunHooks } from "./run-hooks.js";

export interface RunRecorderOptions {
  runId: string;
  sessionId: string;
  agentId: string;
  prompt: string;
  model?: string;
  provider?: string;
  /** The executor id, or "viben" for a native run. */
  executor: string;
  hooks?: RunHooks;
  /** The price table's price for a model (models.yaml, provider files, built-in catalogue). */
  pricing?: (model: string) => Promise<ModelPricing | undefined>;
  sessions: SessionRepository;
  events: EventBus;
  now: () => Date;
  logger: Logger;
  /**
   * For CLIs whose usage covers the whole conversation: what they reported at the end of the session's
   * previous run, subtracted to get this run's usage (undefined for CLIs that report per run).
   */
  usageBaseline?: { input: number; output: number };
}

/**
 * Turns one run's normalized outputs into events (published at once, so listeners see the run live) and
 * persisted messages (appended in order). Assistant text is gathered from deltas and written when a tool
 * call or the end of a turn closes it.
 */
export class RunRecorder {
  private pendingText = "";
  private finalText = "";
  private resultText: string | undefined;
  private resultError: string | undefined;
  private readonly toolsUsed = new Set<string>();
  private readonly toolNames = new Map<string, string>();
  private tokens = { input: 0, output: 0 };
  private reportedTokens = { input: 0, output: 0 };
  private costUsd: number | undefined;
  private nativeSessionId: string | undefined;
  private startedAt = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly o: RunRecorderOptions) {}

  /**
   * Queues recording the run's start and the user's message ahead of every later write of the run; with
   * `created` (a drafted session), the session is stored in that write. Resolves once it is written; a
   * failure is logged here and rejects only for the caller that wants to know (later writes go on).
   */
  begin(created?: SessionRecord): Promise<void> {
    this.startedAt = this.o.now().getTime();
    // The user's message and the run's start in one metadata write, before any later write of the run.
    const written = this.writes.then(async () => {
      await this.o.sessions.beginRun(
        this.o.sessionId,
        this.o.runId,
        [{ role: "user", content: this.o.prompt, run_id: this.o.runId }],
        created,
      );
    });
    this.writes = written.catch((error: unknown) => this.failed("record the run's start", error));
    return written;
  }

  /**
   * Called right after spawning (before any output can arrive), so run_started is the run's first event; it
   * carries the prompt, so a client watching the session shows the turn without reading the transcript.
   */
  started(info: { pid: number; executor: string; workdir: string; source: string }): void {
    this.publish({ type: "run_started", ...info, prompt: this.o.prompt });
  }

  /** A user message added while the run works (steer): it closes the assistant text before it. */
  userTurn(text: string): void {
    this.flushText();
    this.append({ role: "user", content: text });
    this.publish({ type: "user_message", content: text });
  }

  record(output: AgentOutput): void {
    switch (output.kind) {
      case "session":
        this.nativeSessionId = output.nativeSessionId;
        break;
      case "delta":
        this.pendingText += output.text;
        this.finalText += output.text;
        this.publish({ type: "delta", content: output.text });
        break;
      case "tool_start":
        this.toolsUsed.add(output.tool);
        if (output.toolUseId) this.toolNames.set(output.toolUseId, output.tool);
        this.append({
          role: "assistant",
          content: this.takePendingText(),
          tool_calls: [{ id: output.toolUseId ?? "", name: output.tool, input: output.input }],
        });
        this.publish({
          type: "tool_start",
          tool: output.tool,
          input: output.input,
          tool_use_id: output.toolUseId,
        });
        break;
      case "tool_end": {
        const tool =
          output.tool ?? (output.toolUseId ? this.toolNames.get(output.toolUseId) : undefined) ?? "tool";
        this.append({
          role: "tool",
          content: output.result,
          tool_use_id: output.toolUseId,
          tool_name: tool,
          is_error: output.isError,
        });
        this.publish({
          type: "tool_end",
          tool,
          result: output.result,
          is_error: output.isError,
          tool_use_id: output.toolUseId,
        });
        break;
      }
      case "turn_complete":
        this.flushText();
        this.publish({ type: "turn_complete" });
        break;
      case "usage": {
        this.reportedTokens = {
          input: output.input + (output.cacheRead ?? 0) + (output.cacheWrite ?? 0),
          output: output.output,
        };
        const base = this.o.usageBaseline ?? { input: 0, output: 0 };
        this.tokens = {
          input: Math.max(0, this.reportedTokens.input - base.input),
          output: Math.max(0, this.reportedTokens.output - base.output),
        };
        this.costUsd = output.costUsd;
        break;
      }
      case "result":
        this.resultText = output.text;
        if (output.isError)
          this.resultError = output.error ?? output.text ?? "the executor reported an error";
        break;
      case "error":
        this.publish({ type: "executor_warning", message: output.message });
        break;
    }
  }

  async finish(exit: ProcessExit, stopReason: "stopped" | "timeout" | undefined): Promise<RunOutcome> {
    this.flushText();
    const costCents = await this.costCents();
    const response = (this.resultText ?? this.finalText).trim();
    let status: RunOutcome["status"] = "completed";
    let error: string | undefined;
    let code: string | undefined;
    if (stopReason) {
      status = stopReason;
      code = stopReason === "timeout" ? "RUN_TIMEOUT" : "RUN_STOPPED";
      error =
        stopReason === "timeout"
          ? "the run took longer than its timeout and was stopped"
          : "stopped on request";
    } else if (this.resultError || exit.code !== 0) {
      status = "failed";
      code = exit.code !== 0 ? "EXECUTOR_EXIT" : "EXECUTOR_ERROR";
      error =
        this.resultError ??
        `the executor exited with ${exit.code ?? exit.signal}${exit.stderrTail ? `: ${exit.stderrTail.trim().split("\n").slice(-3).join(" | ")}` : ""}`;
    }
    await this.writes;
    const endedAt = this.o.now();
    const outcome: RunOutcome = {
      runId: this.o.runId,
      sessionId: this.o.sessionId,
      status,
      response,
      toolsUsed: [...this.toolsUsed],
      tokens: this.tokens,
      costCents,
      error,
      exitCode: exit.code,
    };
    try {
      await this.o.sessions.finishRun(
        this.o.sessionId,
        {
          run_id: this.o.runId,
          status,
          prompt: this.o.prompt,
          response,
          tokens: this.tokens,
          cost_cents: costCents,
          error,
          exit_code: exit.code,
        },
        {
          ...(this.nativeSessionId ? { native_session_id: this.nativeSessionId } : {}),
          ...(this.o.usageBaseline ? { native_usage: this.reportedTokens } : {}),
        },
      );
    } catch (persistError) {
      this.o.logger.error({
        msg: "could not record run",
        run_id: this.o.runId,
        error: (persistError as Error).message,
      });
    }
    try {
      await this.o.hooks?.afterRun?.({
        run_id: this.o.runId,
        session_id: this.o.sessionId,
        agent_id: this.o.agentId,
        executor: this.o.executor,
        model: this.o.model,
        provider: this.o.provider,
        status,
        tokens: this.tokens,
        cost_cents: costCents,
        started_at: new Date(this.startedAt).toISOString(),
        ended_at: endedAt.toISOString(),
        duration_ms: endedAt.getTime() - this.startedAt,
      });
    } catch (hookError) {
      this.o.logger.error({
        msg: "after-run hook failed",
        run_id: this.o.runId,
        error: (hookError as Error).message,
      });
    }
    if (status === "completed") {
      this.publish({
        type: "run_complete",
        tokens: this.tokens,
        cost_cents: costCents,
        response,
        tools_used: outcome.toolsUsed,
        duration_ms: endedAt.getTime() - this.startedAt,
      });
    } else {
      this.publish({
        type: "run_error",
        error: error ?? "run failed",
        code,
        exit_code: exit.code,
        ...(exit.stderrTail ? { stderr_tail: exit.stderrTail.slice(-1000) } : {}),
        tokens: this.tokens,
        cost_cents: costCents,
      });
    }
    return outcome;
  }

  /** What the executor reported, else the price table's price for the model times this run's tokens. */
  private async costCents(): Promise<number> {
    if (this.costUsd !== undefined) return Math.round(this.costUsd * 100 * 10_000) / 10_000;
    if (!this.o.model) return 0;
    const pricing = await this.o.pricing?.(this.o.model).catch(() => undefined);
    return costCents(pricing ?? findModelPricing(this.o.model), this.tokens);
  }

  private takePendingText(): string {
    const text = this.pendingText;
    this.pendingText = "";
    return text;
  }

  private flushText(): void {
    const text = this.takePendingText();
    if (text.trim().length > 0) this.append({ role: "assistant", content: text });
  }

  /** Appends in order without blocking the output stream. */
  private append(message: SessionMessageInput): void {
    const entry = { ...message, run_id: this.o.runId };
    this.enqueue("append a message", () => this.o.sessions.appendMessages(this.o.sessionId, [entry]));
  }

  /** Runs storage work in order behind earlier work; failures are logged, not fatal to the run. */
  private enqueue(what: string, work: () => Promise<unknown>): void {
    this.writes = this.writes.then(work).then(
      () => undefined,
      (error: unknown) => this.failed(what, error),
    );
  }

  private failed(what: string, error: unknown): void {
    this.o.logger.error({ msg: `could not ${what}`, run_id: this.o.runId, error: (error as Error).message });
  }

  private publish(event: { type: string; [field: string]: unknown }): void {
    this.o.events.publish({
      ...event,
      session_id: this.o.sessionId,
      run_id: this.o.runId,
      agent_id: this.o.agentId,
    });
  }
}
