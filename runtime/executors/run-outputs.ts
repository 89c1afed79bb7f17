import type { AgentOutput } from "./adapter.js";

export type UsageOutput = Omit<Extract<AgentOutput, { kind: "usage" }>, "kind">;
export type ResultOutput = Omit<Extract<AgentOutput, { kind: "result" }>, "kind">;

/**
 * Collects one run's normalized outputs and keeps the bookkeeping every parser needs: the session is
 * reported once, tool names are remembered for their results, at most one result is emitted, and turns
 * are closed deterministically. A turn opens with assistant text or a tool call and completes when the
 * parser says so (end of a model call, a result) or, for a turn that called tools, as soon as every tool
 * it started has its result.
 */
export class RunOutputs {
  private outputs: AgentOutput[] = [];
  private sessionId: string | undefined;
  private readonly toolNames = new Map<string, string>();
  private readonly openTools = new Set<string>();
  private turnOpen = false;
  private resultSent = false;
  private answer = "";

  /** Assistant text since the last tool call: the final answer for CLIs whose result carries none. */
  get answerText(): string {
    return this.answer;
  }

  session(nativeSessionId: string | undefined, model?: string): void {
    if (!nativeSessionId || nativeSessionId === this.sessionId) return;
    this.sessionId = nativeSessionId;
    this.outputs.push(
      model ? { kind: "session", nativeSessionId, model } : { kind: "session", nativeSessionId },
    );
  }

  delta(text: string | undefined): void {
    if (!text) return;
    this.turnOpen = true;
    this.answer += text;
    this.outputs.push({ kind: "delta", text });
  }

  toolStart(toolUseId: string | undefined, tool: string, input: unknown): void {
    this.turnOpen = true;
    this.answer = "";
    if (toolUseId) {
      this.toolNames.set(toolUseId, tool);
      this.openTools.add(toolUseId);
    }
    this.outputs.push(
      toolUseId ? { kind: "tool_start", toolUseId, tool, input } : { kind: "tool_start", tool, input },
    );
  }

  toolEnd(toolUseId: string | undefined, result: string, isError: boolean, tool?: string): void {
    const name = tool ?? (toolUseId ? this.toolNames.get(toolUseId) : undefined);
    const output: AgentOutput = { kind: "tool_end", result, isError };
    if (toolUseId) output.toolUseId = toolUseId;
    if (name) output.tool = name;
    this.outputs.push(output);
    if (toolUseId) this.openTools.delete(toolUseId);
    if (this.openTools.size === 0) this.turnComplete();
  }

  turnComplete(): void {
    if (!this.turnOpen) return;
    this.turnOpen = false;
    this.outputs.push({ kind: "turn_complete" });
  }

  usage(usage: UsageOutput): void {
    const output: AgentOutput = { kind: "usage", input: usage.input, output: usage.output };
    if (usage.cacheRead !== undefined) output.cacheRead = usage.cacheRead;
    if (usage.cacheWrite !== undefined) output.cacheWrite = usage.cacheWrite;
    if (usage.costUsd !== undefined) output.costUsd = usage.costUsd;
    this.outputs.push(output);
  }

  /** The run's final answer; a turn still open completes first, and later results are ignored. */
  result(result: ResultOutput): void {
    if (this.resultSent) return;
    this.resultSent = true;
    this.turnComplete();
    const output: AgentOutput = { kind: "result", isError: result.isError };
    if (result.text !== undefined) output.text = result.text;
    if (result.error !== undefined) output.error = result.error;
    this.outputs.push(output);
  }

  error(message: string | undefined): void {
    if (message) this.outputs.push({ kind: "error", message });
  }

  /** Outputs reported since the last call. */
  drain(): AgentOutput[] {
    const drained = this.outputs;
    this.outputs = [];
    return drained;
  }
}
