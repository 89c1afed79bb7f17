import type { InteractiveRunEvent, PendingQuestion, QuestionAnswer } from "../capabilities/runs.js";

/** A frame of the Viben agent-run protocol (SSE `data:` or a WebSocket text frame). */
export type AgentRunFrame = { type: string; [field: string]: unknown };

/** The frames the SSE route sends (the original's list); the WebSocket sends every frame. */
export const SSE_FRAME_TYPES = new Set([
  "session",
  "sdk_session",
  "text",
  "tool_use",
  "tool_result",
  "question",
  "plan",
  "result",
  "error",
  "done",
]);

/**
 * One run event as the Viben desktop reads it. The server's snake_case fields come with the camelCase
 * names of the desktop's types (apps/desktop/src/lib/gateway/types/sse.ts) beside them, so both readings
 * work. Returns no frame for events the protocol has no word for.
 */
export function agentRunFrames(event: InteractiveRunEvent): AgentRunFrame[] {
  switch (event.type) {
    case "started":
      return [
        {
          type: "session",
          session_id: event.sessionId,
          sessionId: event.sessionId,
          run_id: event.runId,
          runId: event.runId,
          executor_type: event.executor,
          cwd: event.workdir,
        },
      ];
    case "native_session":
      return [
        {
          type: "sdk_session",
          sdk_session_id: event.nativeSessionId,
          sdkSessionId: event.nativeSessionId,
          ...(event.model ? { model: event.model } : {}),
        },
      ];
    case "status":
      return [{ type: "status", status: event.status }];
    case "text":
      return [{ type: "text", content: event.content }];
    case "thinking":
      return [{ type: "thinking", content: event.content }];
    case "steered":
      return [{ type: "steered", message: event.message }];
    case "tool_use":
      return [{ type: "tool_use", id: event.id, name: event.name, input: event.input }];
    case "tool_result":
      return [
        {
          type: "tool_result",
          tool_use_id: event.toolUseId,
          toolUseId: event.toolUseId,
          output: event.output,
          is_error: event.isError,
          isError: event.isError,
          ...(event.name ? { name: event.name } : {}),
        },
      ];
    case "question":
      return [questionFrame(event.question)];
    case "question_cancelled":
      return [{ type: "question_cancelled", id: event.questionId, question_id: event.questionId }];
    case "turn_result":
      return [
        {
          type: "result",
          // Viben's subtypes are success / error / error_max_turns; the executor's own is kept beside.
          subtype:
            event.subtype === "success" || event.subtype === "error_max_turns" ? event.subtype : "error",
          executor_subtype: event.subtype,
          is_error: event.isError,
          ...(event.text !== undefined ? { result: event.text } : {}),
          ...(event.error !== undefined ? { error: event.error } : {}),
          ...(event.costUsd !== undefined ? { cost: event.costUsd } : {}),
          ...(event.durationMs !== undefined ? { duration: event.durationMs } : {}),
          ...(event.numTurns !== undefined ? { num_turns: event.numTurns } : {}),
        },
      ];
    case "context_usage":
      return [
        {
          type: "context_usage",
          input_tokens: event.inputTokens,
          output_tokens: event.outputTokens,
          cache_read_input_tokens: event.cacheReadTokens,
          cache_creation_input_tokens: event.cacheWriteTokens,
          used_tokens:
            event.inputTokens + event.cacheReadTokens + event.cacheWriteTokens + event.outputTokens,
        },
      ];
    case "error":
      return [{ type: "error", message: event.message, ...(event.code ? { code: event.code } : {}) }];
    case "end": {
      const { outcome } = event;
      const done: AgentRunFrame = {
        type: "done",
        session_id: outcome.sessionId,
        sessionId: outcome.sessionId,
        run_id: outcome.runId,
        status: outcome.status,
        tokens: outcome.tokens,
        cost_cents: outcome.costCents,
      };
      if (outcome.status === "completed") return [done];
      const code = { failed: "RUN_FAILED", stopped: "RUN_STOPPED", timeout: "RUN_TIMEOUT" }[outcome.status];
      return [{ type: "error", message: outcome.error ?? "the run failed", code }, done];
    }
  }
}

interface ViebenQuestion {
  header: string;
  question: string;
  options: Array<{ label: string; description?: string }>;
  multiSelect: boolean;
}

/** Labels that answer a permission or plan question with yes. */
const YES = new Set(["approve", "approved", "allow", "yes", "y", "ok", "true"]);

/**
 * A pending question as Viben shows it: AskUserQuestion carries its own questions; a permission prompt
 * becomes one Approve / Reject question; ExitPlanMode becomes a `plan` to approve or reject.
 */
function questionFrame(question: PendingQuestion): AgentRunFrame {
  const common = {
    id: question.id,
    question_id: question.id,
    kind: question.kind,
    tool_name: question.toolName,
    ...(question.toolUseId ? { tool_use_id: question.toolUseId } : {}),
    input: question.input,
  };
  if (question.kind === "plan") {
    const text = String(record(question.input).plan ?? "");
    return { type: "plan", plan_id: question.id, ...common, plan: planOf(question.id, text) };
  }
  return { type: "question", ...common, questions: questionsOf(question) };
}

function questionsOf(question: PendingQuestion): ViebenQuestion[] {
  if (question.kind === "question") {
    const asked = record(question.input).questions;
    if (Array.isArray(asked)) {
      return asked.map((item) => {
        const q = record(item);
        return {
          header: String(q.header ?? "Question"),
          question: String(q.question ?? ""),
          options: Array.isArray(q.options)
            ? q.options.map((o) => ({
                label: String(record(o).label ?? o),
                ...(record(o).description ? { description: String(record(o).description) } : {}),
              }))
            : [],
          multiSelect: q.multiSelect === true,
        };
      });
    }
  }
  return [
    {
      header: "Permission",
      question: `Allow ${question.toolName}${describeInput(question.input)}?`,
      options: [
        { label: "Approve", description: "Let the tool run" },
        { label: "Reject", description: "Refuse; the agent is told and continues" },
      ],
      multiSelect: false,
    },
  ];
}

function describeInput(input: unknown): string {
  const fields = record(input);
  const shown = fields.command ?? fields.file_path ?? fields.path ?? fields.url;
  return typeof shown === "string" ? `: ${shown.slice(0, 300)}` : "";
}

/** A plan's markdown as Viben's plan: the first line is the goal, list items are the steps. */
function planOf(id: string, text: string) {
  const lines = text.split("\n").map((line) => line.trim());
  const goal = (lines.find((line) => line.length > 0) ?? "Plan").replace(/^#+\s*/, "");
  const steps = lines
    .filter((line) => /^([-*]|\d+[.)])\s+/.test(line))
    .map((line, index) => ({
      id: `step-${index + 1}`,
      description: line.replace(/^([-*]|\d+[.)])\s+/, ""),
      status: "pending" as const,
    }));
  return { id, goal, steps, notes: text };
}

/**
 * Viben's `answer {question_id, answers}`: answers keyed by question index (or text). For a permission
 * or plan question the first answer says yes or no; for AskUserQuestion the answers go back to the tool
 * keyed by question text.
 */
export function answerFromAnswers(
  question: PendingQuestion,
  answers: Record<string, string>,
): QuestionAnswer {
  if (question.kind !== "question") {
    const first = Object.values(answers)[0] ?? "";
    return YES.has(first.trim().toLowerCase())
      ? { behavior: "allow" }
      : { behavior: "deny", message: first ? `The user answered: ${first}` : undefined };
  }
  const input = record(question.input);
  const asked = Array.isArray(input.questions) ? input.questions.map(record) : [];
  const byText: Record<string, string> = {};
  for (const [key, value] of Object.entries(answers)) {
    const index = /^\d+$/.test(key) ? Number(key) : -1;
    byText[typeof asked[index]?.question === "string" ? String(asked[index]!.question) : key] = value;
  }
  return { behavior: "allow", updatedInput: { ...input, answers: byText } };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
