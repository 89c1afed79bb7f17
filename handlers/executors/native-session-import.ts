import { DomainError } from "../../storage/errors.js";
import type { ExecutorId } from "../../storage/executor-types.js";
import { findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import type { SessionMessageInput, SessionRecord } from "../../storage/sessions.js";
import type { NativeSession, NativeSessionMessage } from "../capabilities/native-sessions.js";
import type { Services } from "../context.js";
import { requireSessions } from "../runs/run-requests.js";

export interface ImportRequest {
  executor: ExecutorId;
  native: NativeSession;
  agentId?: string;
  workspacePath: string;
  id?: string;
  title?: string;
  workdirRoots?: string[];
}

/**
 * Makes a gateway session of an executor's own session: it records the native id, so the next run on it
 * resumes that conversation (`claude --resume <id>`, `codex exec resume <id>`) in the directory it ran
 * in, and copies the conversation so far into the session's messages. Importing the same native session
 * again answers the session made the first time.
 */
export async function importNativeSession(
  services: Services,
  request: ImportRequest,
): Promise<{ session: SessionRecord; created: boolean; imported_messages: number }> {
  const { sessions } = requireSessions(services);
  const { executor, native } = request;
  const agent = await findRunnableAgent(services, request.agentId ?? executor, request.workspacePath);
  if (agent.config.executor_type !== executor) {
    throw new DomainError(
      "validation",
      "AGENT_EXECUTOR_MISMATCH",
      `agent_id: agent '${agent.id}' runs ${agent.config.executor_type ?? "no executor"}, not ${executor}`,
      { field: "agent_id", agent_id: agent.id, executor_type: executor },
    );
  }
  const existing = (await sessions.list()).find(
    (s) => s.native_session_id === native.summary.id && s.executor_type === executor,
  );
  if (existing) return { session: existing, created: false, imported_messages: 0 };
  if (!native.summary.cwd) {
    throw new DomainError(
      "validation",
      "NATIVE_SESSION_WITHOUT_CWD",
      `workdir: ${executor} session '${native.summary.id}' does not say which directory it ran in; name it as workdir`,
      { field: "workdir", session_id: native.summary.id },
    );
  }
  // The executor resumes only where the session ran: that directory must be one runs may use.
  const workdir = await resolveWorkdir(services, agent, native.summary.cwd, request.workdirRoots);
  const session = await sessions.create({
    id: request.id,
    title: request.title ?? native.summary.name,
    agent_id: agent.id,
    agent_source: agent.scope.kind,
    workspace_path: agent.scope.workspacePath,
    workdir,
    executor_type: executor,
    native_session_id: native.summary.id,
  });
  const messages = toSessionMessages(native.messages);
  await sessions.appendMessages(session.id, messages);
  return { session: await sessions.get(session.id), created: true, imported_messages: messages.length };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Native messages as gateway messages: the user's turns, the assistant's text with its tool calls
 * folded into it (as runs record them), and tool results; thinking is not part of a session's messages.
 */
export function toSessionMessages(native: readonly NativeSessionMessage[]): SessionMessageInput[] {
  const out: SessionMessageInput[] = [];
  for (const m of native) {
    const at = ISO.test(m.timestamp) ? { timestamp: m.timestamp } : {};
    const last = out.at(-1);
    if (m.type === "user") out.push({ role: "user", content: m.content ?? "", ...at });
    else if (m.type === "text") out.push({ role: "assistant", content: m.content ?? "", ...at });
    else if (m.type === "tool_use") {
      const call = { id: m.tool_use_id ?? "", name: m.tool_name ?? "", input: m.tool_input ?? {} };
      if (last?.role === "assistant") last.tool_calls = [...(last.tool_calls ?? []), call];
      else out.push({ role: "assistant", content: "", tool_calls: [call], ...at });
    } else if (m.type === "tool_result") {
      out.push({
        role: "tool",
        content: m.tool_output ?? m.content ?? "",
        ...(m.tool_use_id ? { tool_use_id: m.tool_use_id } : {}),
        ...(m.is_error === undefined ? {} : { is_error: m.is_error }),
        ...at,
      });
    }
  }
  return out;
}
