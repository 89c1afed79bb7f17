import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AgentOutput, ExecutorAdapter, RunSpec } from "../../../../runtime/executors/adapter.js";

const SAMPLES = fileURLToPath(new URL("../../../fixtures/samples/", import.meta.url));

/** The stdout lines of a recorded (or hand-written) sample in test/fixtures/samples. */
export function sampleLines(name: string): string[] {
  return readFileSync(`${SAMPLES}${name}`, "utf8").split("\n");
}

/** Feeds lines to a fresh parser the way the process supervisor does, EOF included. */
export function parseLines(adapter: ExecutorAdapter, lines: readonly string[]): AgentOutput[] {
  const parser = adapter.createParser();
  return [...lines.flatMap((line) => parser.line(line)), ...parser.end()];
}

export function parseSample(adapter: ExecutorAdapter, name: string): AgentOutput[] {
  return parseLines(adapter, sampleLines(name));
}

/** Lines no CLI's parser may react to: not JSON, not an object, or an event type nobody knows. */
export const GARBAGE_LINES = [
  "",
  "   ",
  "Loaded cached credentials.",
  "{not json",
  '{"type":"assistant"',
  "[1,2,3]",
  "null",
  "42",
  '"just a string"',
  "{}",
  '{"type":"from_a_future_version","data":{"x":1}}',
  '{"type":42}',
  "\u001b[31mred banner\u001b[0m",
];

/** The lines with a garbage line before each, and the rest at the end. */
export function withGarbage(lines: readonly string[]): string[] {
  return [...lines.flatMap((line, i) => [GARBAGE_LINES[i % GARBAGE_LINES.length]!, line]), ...GARBAGE_LINES];
}

export const kinds = (outputs: AgentOutput[]) => outputs.map((output) => output.kind);

/** All delta text, joined. */
export const deltaText = (outputs: AgentOutput[]) =>
  outputs.map((output) => (output.kind === "delta" ? output.text : "")).join("");

export function only<K extends AgentOutput["kind"]>(outputs: AgentOutput[], kind: K) {
  return outputs.filter((output): output is Extract<AgentOutput, { kind: K }> => output.kind === kind);
}

export const BASE_SPEC: RunSpec = { prompt: "fix the bug", workdir: "/work/project" };

/** The value following an option in an argument list. */
export function optionValue(args: readonly string[], option: string): string | undefined {
  const index = args.indexOf(option);
  return index === -1 ? undefined : args[index + 1];
}
