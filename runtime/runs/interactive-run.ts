import type {
  InteractiveRunEvent,
  PendingQuestion,
  QuestionAnswer,
  RunOutcome,
} from "../../handlers/capabilities/runs.js";
import { conflict, notFound } from "../../storage/errors.js";
import type {
  AgentOutput,
  InteractiveProtocol,
  InteractiveSignal,
  OutputParser,
} from "../executors/adapter.js";
import type { UsageOutput } from "../executors/run-outputs.js";
import { addUsage } from "../executors/token-usage.js";

/** The open stdin of a two-way CLI (a SupervisedProcess with `keepStdinOpen`). */
export interface InteractiveChannel {
  write(text: string): boolean;
  endInput(): void;
}

export interface InteractiveSessionOptions {
  /** The executor id, named in refusals. */
  executor: string;
  onEvent: (event: InteractiveRunEvent) => void;
  /** The run's recorder: every normalized output still becomes events on the bus and history. */
  record: (output: AgentOutput) => void;
  /** Persists a user message the caller added mid-run (steer). */
  recordUserTurn: (text: string) => void;
  /** Marks the run as stopped on request, then stops its process (the run manager's stop). */
  stop: () => Promise<void>;
  markStopped: () => void;
  newId: () => string;
  /** How long an interrupted CLI gets to exit by itself before it is stopped. */
  graceMs?: number;
}

/**
 * The conversation side of one interactive run: turns the run's outputs and the CLI's control signals
 * into InteractiveRunEvents, and the caller's steer / answer / interrupt into stdin lines. Without a
 * protocol (executors that take one prompt per process) it only maps outputs, and steer and answers are
 * refused. Stdin is closed once every turn sent has its result, which lets the CLI exit and the run end.
 */
export class InteractiveSession {
  private protocol: InteractiveProtocol | undefined;
  private channel: InteractiveChannel | undefined;
  private readonly pending = new Map<string, PendingQuestion>();
  private turnsSent = 1;
  private turnsDone = 0;
  private inputEnded = false;
  private interrupting = false;
  private ended = false;
  /** Usage of the turns already finished: Claude reports each turn's usage on its own result. */
  private finishedUsage: UsageOutput | undefined;
  private turnUsage: UsageOutput | undefined;

  constructor(private readonly o: InteractiveSessionOptions) {}

  get features() {
    const live = this.protocol !== undefined;
    return { steer: live, interrupt: true, questions: live };
  }

  get pendingQuestions(): PendingQuestion[] {
    return [...this.pending.values()];
  }

  /** Called by the launch of a two-way CLI, before its process starts. */
  useProtocol(protocol: InteractiveProtocol): void {
    this.protocol = protocol;
  }

  /** Called once the two-way CLI's process runs. */
  attach(channel: InteractiveChannel): void {
    this.channel = channel;
  }

  /** The run's first events, sent as soon as its process runs (before any of its output). */
  started(info: Omit<Extract<InteractiveRunEvent, { type: "started" }>, "type">): void {
    this.emit({ type: "started", ...info });
    this.emit({ type: "status", status: "running" });
  }

  /** A parser that feeds every line to the protocol's reader and to a fresh adapter parser per turn. */
  parser(createParser: () => OutputParser): OutputParser {
    let inner = createParser();
    return {
      line: (text) => {
        const signals = this.protocol?.read(text) ?? [];
        for (const output of inner.line(text)) this.output(output);
        for (const signal of signals) {
          this.signal(signal);
          // The adapter parsers report one result per process; each turn here has its own.
          if (signal.kind === "turn_result") inner = createParser();
        }
        return [];
      },
      end: () => {
        for (const output of inner.end()) this.output(output);
        return [];
      },
    };
  }

  /** One normalized output: recorded, and mapped to the caller's events. */
  output(output: AgentOutput): void {
    if (output.kind === "usage") {
      this.turnUsage = output;
      this.o.record({
        kind: "usage",
        ...(this.finishedUsage ? addUsage(this.finishedUsage, output) : output),
      });
    } else {
      this.o.record(output);
    }
    switch (output.kind) {
      case "session":
        this.emit({
          type: "native_session",
          nativeSessionId: output.nativeSessionId,
          model: output.model,
        });
        break;
      case "delta":
        this.emit({ type: "text", content: output.text });
        break;
      case "tool_start":
        this.emit({
          type: "tool_use",
          id: output.toolUseId ?? this.o.newId(),
          name: output.tool,
          input: output.input,
        });
        break;
      case "tool_end":
        this.emit({
          type: "tool_result",
          toolUseId: output.toolUseId ?? "",
          name: output.tool,
          output: output.result,
          isError: output.isError,
        });
        break;
      case "error":
        this.emit({ type: "error", message: output.message, code: "EXECUTOR_WARNING" });
        break;
      case "usage":
        if (!this.protocol) {
          this.emit({
            type: "context_usage",
            inputTokens: output.input,
            outputTokens: output.output,
            cacheReadTokens: output.cacheRead ?? 0,
            cacheWriteTokens: output.cacheWrite ?? 0,
          });
        }
        return;
      case "result":
        // A two-way CLI reports each turn through its protocol (with cost and duration) instead.
        if (!this.protocol) {
          this.emit({
            type: "turn_result",
            subtype: output.isError ? "error" : "success",
            isError: output.isError,
            text: output.text,
            error: output.error,
          });
        }
        return;
    }
  }

  steer(message: string): void {
    if (!this.protocol) {
      throw conflict(
        "STEER_NOT_SUPPORTED",
        `${this.o.executor} takes one prompt per run: wait for this run to end, then start a new run on the same session`,
        { executor_type: this.o.executor },
      );
    }
    if (this.inputEnded || this.interrupting || !this.channel) {
      throw conflict(
        "RUN_ENDING",
        "the run has finished its turns and is ending; start a new run to continue",
      );
    }
    this.channel.write(`${this.protocol.userTurn(message)}\n`);
    this.turnsSent += 1;
    this.o.recordUserTurn(message);
    this.emit({ type: "steered", message });
  }

  answer(questionId: string, answer: QuestionAnswer): void {
    if (!this.protocol) {
      throw conflict(
        "QUESTIONS_NOT_SUPPORTED",
        `${this.o.executor} asks no questions in gateway runs: there is nothing to approve or reject`,
        { executor_type: this.o.executor },
      );
    }
    const question = this.pending.get(questionId);
    if (!question || !this.channel) {
      throw notFound(
        "QUESTION_NOT_FOUND",
        `question '${questionId}' is not pending (unknown, answered or withdrawn)`,
        {
          question_id: questionId,
        },
      );
    }
    this.pending.delete(questionId);
    const resolved: QuestionAnswer =
      answer.behavior === "allow"
        ? { behavior: "allow", updatedInput: answer.updatedInput ?? asRecord(question.input) }
        : answer;
    this.channel.write(`${this.protocol.answer(questionId, resolved)}\n`);
    if (this.pending.size === 0) this.emit({ type: "status", status: "running" });
  }

  /** Interrupts politely (the CLI ends the turn and exits at end of input), then stops the process. */
  async interrupt(done: Promise<RunOutcome>): Promise<void> {
    if (!this.protocol || !this.channel || this.inputEnded) {
      await this.o.stop();
      return;
    }
    if (!this.interrupting) {
      this.interrupting = true;
      this.o.markStopped();
      this.emit({ type: "status", status: "interrupting" });
      for (const id of this.pending.keys()) this.emit({ type: "question_cancelled", questionId: id });
      this.pending.clear();
      this.channel.write(`${this.protocol.interrupt(this.o.newId())}\n`);
      this.endInput();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.o.graceMs ?? 3000);
    });
    if ((await Promise.race([done, late])) === "late") await this.o.stop();
    clearTimeout(timer);
  }

  /** The run ended (the process exited, was stopped or timed out). */
  end(outcome: RunOutcome): void {
    for (const id of this.pending.keys()) this.emit({ type: "question_cancelled", questionId: id });
    this.pending.clear();
    this.emit({ type: "end", outcome });
    this.ended = true;
  }

  private signal(signal: InteractiveSignal): void {
    switch (signal.kind) {
      case "question": {
        const question: PendingQuestion = {
          id: signal.requestId,
          kind: questionKind(signal.toolName),
          toolName: signal.toolName,
          toolUseId: signal.toolUseId,
          input: signal.input,
        };
        this.pending.set(question.id, question);
        this.emit({ type: "question", question });
        this.emit({ type: "status", status: "waiting_for_answer" });
        break;
      }
      case "question_cancelled":
        if (!this.pending.delete(signal.requestId)) return;
        this.emit({ type: "question_cancelled", questionId: signal.requestId });
        break;
      case "thinking":
        this.emit({ type: "thinking", content: signal.text });
        break;
      case "context_usage":
        this.emit({
          type: "context_usage",
          inputTokens: signal.input,
          outputTokens: signal.output,
          cacheReadTokens: signal.cacheRead,
          cacheWriteTokens: signal.cacheWrite,
        });
        break;
      case "turn_result": {
        const { kind: _kind, ...result } = signal;
        this.emit({ type: "turn_result", ...result });
        if (this.turnUsage) this.finishedUsage = addUsage(this.finishedUsage, this.turnUsage);
        this.turnUsage = undefined;
        this.turnsDone += 1;
        if (this.turnsDone >= this.turnsSent) {
          this.endInput();
          this.emit({ type: "status", status: "idle" });
        }
        return;
      }
    }
  }

  private endInput(): void {
    this.inputEnded = true;
    this.channel?.endInput();
  }

  private emit(event: InteractiveRunEvent): void {
    if (this.ended) return;
    try {
      this.o.onEvent(event);
    } catch {
      // A caller's listener failing must not break the run or its recording.
    }
  }
}

function questionKind(toolName: string): PendingQuestion["kind"] {
  if (toolName === "AskUserQuestion") return "question";
  if (toolName === "ExitPlanMode") return "plan";
  return "permission";
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
