import type { ExecutorId } from "../../storage/executor-types.js";
import { amp } from "./amp.js";
import { claudeCode } from "./claude-code.js";
import { codex } from "./codex.js";
import { copilot } from "./copilot.js";
import { cursorAgent } from "./cursor-agent.js";
import { gemini } from "./gemini.js";
import { opencode } from "./opencode.js";
import { qwenCode } from "./qwen-code.js";
import type { ExecutorDescriptor } from "./types.js";

/** Every executor the gateway knows, in listing order. Adding an executor: a descriptor file plus one line here. */
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
