import type { AgentSideConnection, PermissionOption } from "@agentclientprotocol/sdk";
import type { InteractiveRun, PendingQuestion, QuestionAnswer } from "../capabilities/runs.js";
import { toolKind, toolTitle } from "./session-updates.js";

/** The options offered for a tool use; `allow_always` is remembered per session by this connection. */
const OPTIONS: PermissionOption[] = [
  { optionId: "allow_once", name: "Allow", kind: "allow_once" },
  { optionId: "allow_always", name: "Always allow this tool in this session", kind: "allow_always" },
  { optionId: "reject_once", name: "Reject", kind: "reject_once" },
];

const REJECTED = "The user rejected this tool use.";

/**
 * Forwards an interactive run's permission questions to the ACP client as session/request_permission and
 * answers the run with the client's choice: `allow_once` / `allow_always` allow the tool use,
 * `reject_once` and a cancelled request deny it. Tools a client allowed always are allowed without asking
 * for the rest of the session on this connection. AskUserQuestion (a question with its own answers) has
 * no ACP counterpart and is denied with a message saying so.
 */
export class PermissionForwarder {
  /** Session id → tool names the client allowed always. */
  private readonly alwaysAllowed = new Map<string, Set<string>>();

  constructor(private readonly client: AgentSideConnection) {}

  /** Asks the client about one question of `run`, then answers it (errors from a late answer are dropped). */
  async forward(sessionId: string, run: InteractiveRun, question: PendingQuestion): Promise<void> {
    const answer = await this.decide(sessionId, question);
    try {
      run.answer(question.id, answer);
    } catch {
      // Withdrawn meanwhile (the turn was cancelled or the run ended): nothing is waiting for the answer.
    }
  }

  forget(sessionId: string): void {
    this.alwaysAllowed.delete(sessionId);
  }

  private async decide(sessionId: string, question: PendingQuestion): Promise<QuestionAnswer> {
    if (question.kind === "question") {
      return {
        behavior: "deny",
        message: "The ACP client cannot answer questions; go on without the answer or ask in your reply.",
      };
    }
    const allowed = this.alwaysAllowed.get(sessionId);
    if (allowed?.has(question.toolName)) return { behavior: "allow" };
    let outcome: { outcome: string; optionId?: string };
    try {
      ({ outcome } = await this.client.requestPermission({
        sessionId,
        toolCall: {
          toolCallId: question.toolUseId ?? question.id,
          title: toolTitle(question.toolName, question.input),
          kind: question.kind === "plan" ? "switch_mode" : toolKind(question.toolName),
          status: "pending",
          rawInput: question.input,
          _meta: { tool_name: question.toolName, question_id: question.id, question_kind: question.kind },
        },
        options: OPTIONS,
      }));
    } catch {
      // The client failed to answer (or went away): the tool use is not allowed.
      return { behavior: "deny", message: REJECTED };
    }
    if (outcome.outcome !== "selected") return { behavior: "deny", message: REJECTED };
    if (outcome.optionId === "allow_always") {
      if (allowed) allowed.add(question.toolName);
      else this.alwaysAllowed.set(sessionId, new Set([question.toolName]));
      return { behavior: "allow" };
    }
    if (outcome.optionId === "allow_once") return { behavior: "allow" };
    return { behavior: "deny", message: REJECTED };
  }
}
