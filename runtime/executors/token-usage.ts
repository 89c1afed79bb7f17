import { asNumber, asObject } from "./json-values.js";
import type { UsageOutput } from "./run-outputs.js";

const INPUT_KEYS = ["input_tokens", "inputTokens"];
const OUTPUT_KEYS = ["output_tokens", "outputTokens"];
const CACHE_READ_KEYS = ["cache_read_input_tokens", "cacheReadTokens", "cacheReadInputTokens"];
const CACHE_WRITE_KEYS = ["cache_creation_input_tokens", "cacheWriteTokens", "cacheCreationInputTokens"];

/**
 * Token counts from an Anthropic-style usage object, in snake_case or camelCase (Cursor). `input` never
 * includes cache reads (the recorder adds them back), so CLIs that count them into the prompt
 * (Qwen Code, Gemini) have them subtracted.
 */
export function readTokenUsage(
  value: unknown,
  options: { inputIncludesCacheRead?: boolean } = {},
): UsageOutput | undefined {
  const usage = asObject(value);
  if (!usage) return undefined;
  const pick = (keys: string[]) => keys.map((key) => asNumber(usage[key])).find((n) => n !== undefined);
  const input = pick(INPUT_KEYS);
  const output = pick(OUTPUT_KEYS);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = pick(CACHE_READ_KEYS);
  const cacheWrite = pick(CACHE_WRITE_KEYS);
  const result: UsageOutput = {
    input: Math.max(0, (input ?? 0) - (options.inputIncludesCacheRead ? (cacheRead ?? 0) : 0)),
    output: output ?? 0,
  };
  if (cacheRead !== undefined) result.cacheRead = cacheRead;
  if (cacheWrite !== undefined) result.cacheWrite = cacheWrite;
  return result;
}

/** Two usages added up, for CLIs that report each model call separately. */
export function addUsage(total: UsageOutput | undefined, more: UsageOutput): UsageOutput {
  if (!total) return { ...more };
  const sum = (a: number | undefined, b: number | undefined) =>
    a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0);
  const result: UsageOutput = { input: total.input + more.input, output: total.output + more.output };
  const cacheRead = sum(total.cacheRead, more.cacheRead);
  const cacheWrite = sum(total.cacheWrite, more.cacheWrite);
  const costUsd = sum(total.costUsd, more.costUsd);
  if (cacheRead !== undefined) result.cacheRead = cacheRead;
  if (cacheWrite !== undefined) result.cacheWrite = cacheWrite;
  if (costUsd !== undefined) result.costUsd = costUsd;
  return result;
}
