import type { InteractiveRunEvent, QuestionAnswer } from "../../handlers/capabilities/runs.js";
import type { AgentRecord } from "../../storage/agents.js";
import { matchesGlob } from "../../storage/rules/channel-match.js";
import type { NativeTool } from "../native/tools/native-tool.js";
import type { RunBinding } from "../runs/run-extensions.js";
import type { ApprovalBroker, ApprovalRequestInput } from "./broker.js";
import type { Guardian } from "./guardian.js";

/** How one run's tool calls reach the approval broker. */
export interface RunApprovalGate {
  /**
   * For a two-way CLI (Claude Code's control channel): the listener of the run's conversation, which
   * sends each `can_use_tool` question to the broker and answers the CLI with the verdict.
   */
  cliListener(
    answer: (questionId: string, answer: QuestionAnswer) => void,
  ): (event: InteractiveRunEvent) => void;
  /** For a native run: its tools, each waiting for the verdict before it executes. */
  wrapTools(tools: readonly NativeTool[]): NativeTool[];
}

/** What the run manager asks of approvals and the guardian, in one place. */
export interface RunGovernance {
  /** The run's approval gate, or undefined when its agent asks for none. */
  approvalsFor(run: RunBinding): RunApprovalGate | undefined;
  started(run: RunBinding): void;
  /** Guardian hints for a native run's next turn. */
  hints(runId: string): string[];
  /** The run is over: whatever it still waits on is denied. */
  released(runId: string): void;
}

/**
 * Whether an agent's runs wait for approvals: Viben's `approvals: true`, or Ryvos's `pause_before` (only
 * the tools it names wait). Claude Code's own permission mode still decides which calls it asks about:
 * under `bypassPermissions` it asks about none, under `default` about writes and commands.
 */
export function approvalPolicy(agent: AgentRecord): { tools?: string[]; timeoutMs?: number } | undefined {
  const { approvals, pause_before: pauseBefore, approval_timeout_secs: timeout } = agent.config;
  const tools = Array.isArray(pauseBefore) && pauseBefore.length > 0 ? pauseBefore : undefined;
  if (approvals !== true && !tools) return undefined;
  return {
    ...(tools ? { tools } : {}),
    ...(typeof timeout === "number" ? { timeoutMs: timeout * 1000 } : {}),
  };
}

export function createRunGovernance(broker: ApprovalBroker, guardian?: Guardian): RunGovernance {
  return {
    approvalsFor(run) {
      const policy = approvalPolicy(run.agent);
      if (!policy) return undefined;
      const asks = (tool: string) => !policy.tools || policy.tools.some((p) => matchesGlob(p, tool));
      const base = (tool: string, input: unknown, toolUseId?: string): ApprovalRequestInput => ({
        tool,
        input,
        agentId: run.agent.id,
        sessionId: run.sessionId,
        runId: run.runId,
        workdir: run.workdir,
        ...(toolUseId ? { toolUseId } : {}),
        ...(policy.timeoutMs ? { timeoutMs: policy.timeoutMs } : {}),
      });
      return {
        cliListener: (answer) => (event) => {
          if (event.type !== "question") return;
          const { question } = event;
          if (!asks(question.toolName)) {
            answer(question.id, { behavior: "allow" });
            return;
          }
          void broker.request(base(question.toolName, question.input, question.toolUseId)).then((verdict) => {
            try {
              answer(
                question.id,
                verdict.decision === "allow"
                  ? { behavior: "allow" }
                  : { behavior: "deny", message: verdict.message },
              );
            } catch {
              // The CLI withdrew the question (interrupt) or the run ended: nothing is waiting any more.
            }
          });
        },
        wrapTools: (tools) =>
          tools.map((tool) =>
            asks(tool.name)
              ? {
                  ...tool,
                  async execute(input, context) {
                    const verdict = await broker.request({
                      ...base(tool.name, input),
                      signal: context.signal,
                    });
                    if (verdict.decision === "deny") return { isError: true, text: verdict.message };
                    return tool.execute(input, context);
                  },
                }
              : tool,
          ),
      };
    },
    started(run) {
      const maxTurns = run.agent.config.max_turns;
      guardian?.track(run.runId, typeof maxTurns === "number" ? { maxTurns } : {});
    },
    hints: (runId) => guardian?.takeHints(runId) ?? [],
    released: (runId) => broker.releaseRun(runId),
  };
}
