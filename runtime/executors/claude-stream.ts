import type { OutputParser } from "./adapter.js";
import type { PlainObject } from "./config-shapes.js";
import { jsonLinesParser } from "./json-lines.js";
import { asArray, asId, asNumber, asObject, asString } from "./json-values.js";
import { RunOutputs, type UsageOutput } from "./run-outputs.js";
import { StreamedText } from "./streamed-text.js";
import { addUsage, readTokenUsage } from "./token-usage.js";

export interface ClaudeStreamOptions {
  /** Qwen Code counts cache reads into `input_tokens`; Claude Code and Amp do not. */
  inputIncludesCacheRead?: boolean;
}

/**
 * Parser for Claude Code's `--output-format stream-json` (also spoken by Qwen Code and Amp):
 * `system/init` → session; `stream_event` text deltas → delta; `assistant` messages → the text not already
 * streamed, and tool_use blocks → tool_start; `user` tool_result blocks → tool_end; `result` → usage and
 * result. Turns complete at a `message_delta` / assistant `stop_reason` other than `tool_use`, once every
 * tool of the turn has its result, when the next model call starts, or at the result.
 * Lines from sub-agents (`parent_tool_use_id` set) are skipped: their Task tool call stands for them.
 */
export function createClaudeStreamParser(options: ClaudeStreamOptions = {}): OutputParser {
  const out = new RunOutputs();
  const streamed = new StreamedText();
  // Per-message usage, for a result without its own (Amp); keyed by message id as Claude repeats a
  // message's usage on each of its content-block lines.
  const messageUsage = new Map<string, UsageOutput>();

  const onStreamEvent = (event: PlainObject | undefined) => {
    switch (event?.type) {
      case "message_start":
        out.turnComplete();
        streamed.reset();
        break;
      case "content_block_delta": {
        const delta = asObject(event.delta);
        const text = delta?.type === "text_delta" ? asString(delta.text) : undefined;
        if (text) {
          streamed.add(text);
          out.delta(text);
        }
        break;
      }
      case "message_delta":
        endsTurn(asObject(event.delta)?.stop_reason);
        break;
    }
  };

  const endsTurn = (stopReason: unknown) => {
    if (typeof stopReason === "string" && stopReason !== "tool_use") out.turnComplete();
  };

  const onAssistant = (event: PlainObject) => {
    const message = asObject(event.message);
    // Claude Code's own notices (API errors) come as "<synthetic>" messages; the result line reports them.
    if (!message || event.error !== undefined || message.model === "<synthetic>") return;
    const usage = readTokenUsage(message.usage, options);
    if (usage) messageUsage.set(asId(message.id) ?? `line-${messageUsage.size}`, usage);
    for (const block of asArray(message.content).map(asObject)) {
      if (block?.type === "text") out.delta(streamed.unstreamed(asString(block.text) ?? ""));
      else if (block?.type === "tool_use")
        out.toolStart(asId(block.id), asString(block.name) ?? "tool", block.input ?? {});
    }
    endsTurn(message.stop_reason);
  };

  const onUser = (event: PlainObject) => {
    for (const block of asArray(asObject(event.message)?.content).map(asObject)) {
      if (block?.type !== "tool_result") continue;
      out.toolEnd(asId(block.tool_use_id), toolResultText(block.content), block.is_error === true);
    }
  };

  const onResult = (event: PlainObject) => {
    out.session(asId(event.session_id));
    out.turnComplete();
    const usage =
      readTokenUsage(event.usage, options) ??
      [...messageUsage.values()].reduce<UsageOutput | undefined>(addUsage, undefined);
    const costUsd = asNumber(event.total_cost_usd);
    if (usage) out.usage(costUsd === undefined ? usage : { ...usage, costUsd });
    // A 400 from the API arrives as subtype "success" with is_error true, so is_error decides.
    const isError = event.is_error === true || (event.subtype !== undefined && event.subtype !== "success");
    out.result(isError ? { isError, error: resultError(event) } : { isError, text: asString(event.result) });
  };

  return jsonLinesParser(out, {
    event(event) {
      if (asId(event.parent_tool_use_id)) return;
      switch (event.type) {
        case "system":
          if (event.subtype === "init") out.session(asId(event.session_id), asString(event.model));
          break;
        case "stream_event":
          onStreamEvent(asObject(event.event));
          break;
        case "assistant":
          onAssistant(event);
          break;
        case "user":
          onUser(event);
          break;
        case "result":
          onResult(event);
          break;
      }
    },
    end() {
      out.turnComplete();
    },
  });
}

/** A tool_result's content: a string, or the text of its text blocks. */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  return asArray(content)
    .map((block) => asString(asObject(block)?.text))
    .filter((text): text is string => text !== undefined)
    .join("\n");
}

/** Claude: `result` text or `errors[]`; Qwen Code: `error.message`; Amp: `error` string. */
function resultError(event: PlainObject): string {
  const errors = asArray(event.errors).filter((item): item is string => typeof item === "string");
  return (
    asString(event.error) ??
    asString(asObject(event.error)?.message) ??
    (errors.length > 0 ? errors.join("; ") : undefined) ??
    asString(event.result) ??
    `the run ended with ${asString(event.subtype) ?? "an error"}`
  );
}
