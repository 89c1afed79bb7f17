import {
  APICallError,
  type LanguageModel,
  type LanguageModelUsage,
  type ModelMessage,
  RetryError,
  streamText,
  type ToolSet,
} from "ai";

export interface ModelCallInput {
  model: LanguageModel;
  system?: string;
  messages: ModelMessage[];
  tools: ToolSet;
  temperature?: number;
  maxOutputTokens?: number;
  maxRetries: number;
  /** The run's signal: aborted when the run is stopped. */
  signal: AbortSignal;
  /** The call is aborted when the provider sends nothing (headers or a stream part) for this long. */
  idleTimeoutMs: number;
  /** Each piece of assistant text, as it streams. */
  onText: (text: string) => void;
}

/** A tool call the model made; `invalid` holds why it cannot run (unknown tool, input not matching). */
export interface RequestedToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
  invalid?: string;
}

export interface CallTokens {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
}

export interface ModelCallResult {
  /** This call's assistant text. */
  text: string;
  toolCalls: RequestedToolCall[];
  /** The assistant message(s) to append to the conversation (with provider metadata, e.g. signatures). */
  assistantMessages: ModelMessage[];
  tokens: CallTokens;
  durationMs: number;
  /** Set when the call failed (provider error, timeout): the provider's own message where there is one. */
  error?: string;
  /** The run was stopped during the call. */
  stopped: boolean;
}

/**
 * One streamed provider call through the SDK. Tools are declared without `execute`, so the SDK only
 * parses the model's tool calls: the run executes them itself, between calls, where it can time, stop
 * and report them. Never throws.
 */
export async function callModel(input: ModelCallInput): Promise<ModelCallResult> {
  const started = Date.now();
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error("provider call timed out"));
    }, input.idleTimeoutMs);
  };
  const onRunAbort = () => controller.abort(input.signal.reason);
  if (input.signal.aborted) onRunAbort();
  else input.signal.addEventListener("abort", onRunAbort, { once: true });
  armIdleTimer();

  let text = "";
  const toolCalls: RequestedToolCall[] = [];
  let usage: LanguageModelUsage | undefined;
  let error: unknown;
  let assistantMessages: ModelMessage[] = [];
  try {
    const result = streamText({
      model: input.model,
      system: input.system,
      messages: input.messages,
      tools: input.tools,
      temperature: input.temperature,
      maxOutputTokens: input.maxOutputTokens,
      maxRetries: input.maxRetries,
      abortSignal: controller.signal,
      // Errors arrive as stream parts below; the SDK's default handler would print them to the console.
      onError: () => {},
    });
    for await (const part of result.fullStream) {
      armIdleTimer();
      switch (part.type) {
        case "text-delta":
          if (part.text === "") break;
          text += part.text;
          input.onText(part.text);
          break;
        case "tool-call":
          toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
          break;
        case "tool-error": {
          // Only produced for calls the SDK could not parse (tools here have no execute).
          const call = toolCalls.find((candidate) => candidate.toolCallId === part.toolCallId);
          if (call) call.invalid = errorMessage(part.error);
          break;
        }
        case "finish-step":
          usage = part.usage;
          break;
        case "error":
          error ??= part.error;
          break;
      }
    }
    if (error === undefined && !controller.signal.aborted) {
      assistantMessages = (await result.response).messages.filter((message) => message.role === "assistant");
    }
  } catch (thrown) {
    error ??= thrown;
  } finally {
    clearTimeout(timer);
    input.signal.removeEventListener("abort", onRunAbort);
  }

  const stopped = input.signal.aborted;
  let failure: string | undefined;
  if (timedOut && !stopped) {
    failure = `the provider sent nothing for ${Math.round(input.idleTimeoutMs / 100) / 10} s; the call was aborted`;
  } else if (!stopped && error !== undefined) {
    failure = errorMessage(error);
  } else if (!stopped && controller.signal.aborted) {
    failure = "the provider call was aborted";
  }
  return {
    text,
    toolCalls,
    assistantMessages,
    tokens: callTokens(usage),
    durationMs: Date.now() - started,
    error: failure,
    stopped,
  };
}

/** Splits the SDK's usage into what prices apply to: uncached input, output, cache reads and writes. */
function callTokens(usage: LanguageModelUsage | undefined): CallTokens {
  const cacheRead = usage?.inputTokenDetails?.cacheReadTokens ?? 0;
  const cacheWrite = usage?.inputTokenDetails?.cacheWriteTokens ?? 0;
  const input =
    usage?.inputTokenDetails?.noCacheTokens ??
    Math.max(0, (usage?.inputTokens ?? 0) - cacheRead - cacheWrite);
  return { input, output: usage?.outputTokens ?? 0, cache_read: cacheRead, cache_write: cacheWrite };
}

/** The provider's own message where there is one (`APICallError` carries the HTTP status). */
function errorMessage(error: unknown): string {
  if (RetryError.isInstance(error)) {
    return `${errorMessage(error.lastError)} (after ${error.errors.length} attempts)`;
  }
  if (APICallError.isInstance(error)) {
    return error.statusCode ? `${error.message} (HTTP ${error.statusCode})` : error.message;
  }
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  // In-stream errors arrive as the provider's JSON, e.g. Anthropic's {type: "overloaded_error", message}.
  const nested = error as { message?: unknown; error?: { message?: unknown } } | null;
  if (typeof nested?.message === "string") return nested.message;
  if (typeof nested?.error?.message === "string") return nested.error.message;
  return JSON.stringify(error);
}
