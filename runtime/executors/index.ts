import type { ExecutorId } from "../../storage/executor-types.js";
import { amp } from "./adapters/amp.js";
import { claudeCode } from "./adapters/claude-code.js";
import { codex } from "./adapters/codex.js";
import { copilot } from "./adapters/copilot.js";
import { cursorAgent } from "./adapters/cursor-agent.js";
import { gemini } from "./adapters/gemini.js";
import { opencode } from "./adapters/opencode.js";
import { qwenCode } from "./adapters/qwen-code.js";
import type { ExecutorDescriptor } from "./types.js";

/** Every executor the gateway knows, in listing order. Adding an executor: a file in adapters/ plus one line here. */
export const EXECUTOR_DESCRIPTORS: readonly ExecutorDescriptor[] = [
  claudeCode,
  amp,
  gemini,
  codex,
  cursorAgent,
  qwenCode,
  copilot,
  opencode,
];

export function findExecutorDescriptor(id: ExecutorId): ExecutorDescriptor | undefined {
  return EXECUTOR_DESCRIPTORS.find((descriptor) => descriptor.id === id);
}

export type { ExecutorDescriptor } from "./types.js";
