import type { EventBus } from "../../handlers/capabilities/events.js";
import type {
  GroupChatFrame,
  GroupChatSendInput,
  GroupChatSendResult,
  GroupChatService,
  GroupChatSessionRef,
} from "../../handlers/capabilities/group-chats.js";
import type { Logger } from "../../handlers/capabilities/logger.js";
import type { RunOutcome, RunService } from "../../handlers/capabilities/runs.js";
import type { AgentRecord, AgentRepository } from "../../storage/agents.js";
import { conflict, DomainError } from "../../storage/errors.js";
import type { GroupChatMessage, GroupChatSessionRepository } from "../../storage/group-chat-sessions.js";
import {
  type GroupChatMember,
  type GroupChatRecord,
  type GroupChatRepository,
  speakingMembers,
} from "../../storage/group-chats.js";
import type { DirectoryDeps } from "../../storage/rules/allowed-directory.js";
import { allowedWorkdirRoots, findRunnableAgent, resolveWorkdir } from "../../storage/rules/run-requests.js";
import type { Scopes } from "../../storage/scopes.js";
import { previewOf } from "../../storage/session-summaries.js";
import { type CoordinatorDecision, coordinatorPrompt, parseCoordinatorDecision } from "./coordinator.js";
import { runMember } from "./member-run.js";
import { contextBudget, memberPrompt, transcriptWithin } from "./transcript.js";
import { maxTurns, planTurns } from "./turn-planner.js";

/** Messages of a session read into a prompt at most (the char budget trims further). */
const TRANSCRIPT_MESSAGES = 500;

export interface GroupChatRuntimeOptions extends DirectoryDeps {
  scopes: Scopes;
  agents: AgentRepository;
  chats: GroupChatRepository;
  sessions: GroupChatSessionRepository;
  runs: RunService;
  events?: EventBus;
  /** The gateway.yaml `workdir_roots` in force. */
  workdirRoots: () => Promise<string[] | undefined>;
  logger: Logger;
  now?: () => Date;
  newId?: () => string;
}

/** A session's running orchestration. */
interface LiveOrchestration {
  stopped: boolean;
  /** The gateway session of the member (or coordinator) run in progress. */
  running?: string;
  /** User messages that arrived while it ran: the next turn is planned from the newest. */
  pending: GroupChatMessage[];
  finished: Promise<void>;
}

type Listener = (frame: GroupChatFrame) => void;

/**
 * Runs group chat sessions: after a user message, members take turns one at a time as the chat's mode
 * says (round robin, @mentions, or a coordinator agent), each seeing the conversation so far, until the
 * plan ends, `max_turns` is reached or the session's budget is spent. Every turn is an ordinary run.
 */
export class GroupChatRuntime implements GroupChatService {
  private readonly live = new Map<string, LiveOrchestration>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly now: () => Date;
  private readonly newId: () => string;

  constructor(private readonly options: GroupChatRuntimeOptions) {
    this.now = options.now ?? (() => new Date());
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  subscribe(ref: GroupChatSessionRef, listener: Listener): () => void {
    const key = keyOf(ref);
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  isActive(ref: GroupChatSessionRef): boolean {
    return this.live.has(keyOf(ref));
  }

  async stop(ref: GroupChatSessionRef): Promise<boolean> {
    const state = this.live.get(keyOf(ref));
    if (!state) return false;
    state.stopped = true;
    if (state.running) await this.options.runs.stop(state.running);
    await state.finished;
    return true;
  }

  async send(input: GroupChatSendInput): Promise<GroupChatSendResult> {
    const { scope, groupChatId, sessionId } = input;
    const { chat } = await this.options.chats.get([scope], groupChatId);
    const session = await this.options.sessions.get(scope, groupChatId, sessionId);
    if (session.status === "archived") {
      throw conflict("GROUP_CHAT_SESSION_ARCHIVED", `session '${sessionId}' is archived`, {
        session_id: sessionId,
      });
    }
    const senderId = input.senderId ?? "user";
    const message: GroupChatMessage = {
      id: this.newId(),
      type: "user",
      timestamp: this.now().toISOString(),
      sender_id: senderId,
      sender_name: input.senderName ?? senderId,
      content: input.content,
    };
    await this.record(input, [message]);
    const key = keyOf(input);
    const running = this.live.get(key);
    if (running) {
      running.pending.push(message);
      return { message, agentsTriggered: [] };
    }
    const speakers = activeSpeakers(chat, session.active_agents);
    const state: LiveOrchestration = { stopped: false, pending: [], finished: Promise.resolve() };
    const roots = input.workdirRoots ?? (await this.options.workdirRoots());
    const first = planTurns(chat, speakers, message.content ?? "", async () => undefined).first;
    this.live.set(key, state);
    state.finished = this.orchestrate(input, state, chat, speakers, message, roots).finally(() =>
      this.live.delete(key),
    );
    return { message, agentsTriggered: first };
  }

  /** The turn loop of one user message (and of those that arrive while it runs). */
  private async orchestrate(
    ref: GroupChatSessionRef,
    state: LiveOrchestration,
    chat: GroupChatRecord,
    speakers: GroupChatMember[],
    trigger: GroupChatMessage,
    roots: string[] | undefined,
  ): Promise<void> {
    const limit = maxTurns(chat, speakers.length);
    let turns = 0;
    let reason = "round_complete";
    const decide = () => this.askCoordinator(ref, state, chat, speakers, roots);
    let planner = planTurns(chat, speakers, trigger.content ?? "", decide);
    try {
      for (;;) {
        if (state.stopped) {
          reason = "stopped";
          break;
        }
        const newest = state.pending.splice(0).at(-1);
        if (newest) {
          planner = planTurns(chat, speakers, newest.content ?? "", decide);
          turns = 0;
        }
        if (speakers.length === 0) {
          reason = "no_members";
          break;
        }
        if (turns >= limit) {
          reason = "max_turns";
          break;
        }
        if (await this.budgetSpent(ref, chat)) {
          reason = "budget_exceeded";
          await this.notice(ref, `The session's budget of ${chat.limits.budget_cents} cents is spent.`);
          break;
        }
        const step = await planner.next();
        if (state.stopped) {
          reason = "stopped";
          break;
        }
        if ("end" in step) {
          reason = step.end;
          if (step.notice) await this.notice(ref, step.notice);
          else if (step.end === "no_mention") {
            await this.notice(
              ref,
              `No member was mentioned; mention one of ${speakers.map((m) => `@${m.member_id}`).join(", ")}.`,
            );
          }
          break;
        }
        const reply = await this.memberTurn(ref, state, chat, speakers, step.member, step.instruction, roots);
        turns += 1;
        if (reply.status !== "completed") {
          reason = state.stopped || reply.status === "stopped" ? "stopped" : "member_failed";
          break;
        }
        planner.answered(step.member, reply.response);
      }
    } catch (error) {
      reason = "error";
      const code = error instanceof DomainError ? error.code : "GROUP_CHAT_FAILED";
      this.emit(ref, { type: "error", error: (error as Error).message, code });
      await this.notice(ref, `The orchestration stopped: ${(error as Error).message}`).catch(() => undefined);
      if (!(error instanceof DomainError)) {
        this.options.logger.error({
          msg: "group chat orchestration failed",
          error: (error as Error).message,
        });
      }
    }
    this.emit(ref, { type: "orchestration_complete", reason, turns });
  }

  /** One member's turn: its prompt from the conversation so far, its run, its answer stored. */
  private async memberTurn(
    ref: GroupChatSessionRef,
    state: LiveOrchestration,
    chat: GroupChatRecord,
    speakers: GroupChatMember[],
    member: GroupChatMember,
    instruction: string | undefined,
    roots: string[] | undefined,
  ): Promise<RunOutcome> {
    const agent = await findRunnableAgent(this.options, member.member_id, ref.scope.workspacePath);
    const workdir = await this.workdirFor(agent, ref.scope.workspacePath, roots);
    const transcript = transcriptWithin(await this.recent(ref), contextBudget(chat, agent));
    const prompt = memberPrompt({
      chat,
      member,
      speakers,
      transcript,
      ...(instruction ? { instruction } : {}),
    });
    const tags = { agent_id: member.member_id, agent_name: member.display_name };
    const outcome = await this.tracked(ref, state, agent, prompt, workdir, tags);
    const message: GroupChatMessage = {
      id: this.newId(),
      type: "agent_response",
      timestamp: this.now().toISOString(),
      content: outcome.response,
      ...tags,
      status: outcome.status === "completed" ? "done" : outcome.status === "stopped" ? "stopped" : "error",
      run_id: outcome.runId,
      member_session_id: outcome.sessionId,
      tokens: outcome.tokens,
      cost_cents: outcome.costCents,
      ...(outcome.error ? { data: { error: outcome.error } } : {}),
    };
    await this.record(ref, [message], outcome, 1);
    this.emit(ref, { type: "agent_response", ...tags, content: message.content, message });
    return outcome;
  }

  /** Asks the coordinator who speaks next; its run counts towards the session's spend, not its turns. */
  private async askCoordinator(
    ref: GroupChatSessionRef,
    state: LiveOrchestration,
    chat: GroupChatRecord,
    speakers: GroupChatMember[],
    roots: string[] | undefined,
  ): Promise<CoordinatorDecision | undefined> {
    const id = chat.orchestration.coordinator_agent_id!;
    const agent = await findRunnableAgent(this.options, id, ref.scope.workspacePath);
    const workdir = await this.workdirFor(agent, ref.scope.workspacePath, roots);
    const transcript = transcriptWithin(await this.recent(ref), contextBudget(chat, agent));
    const tags = { agent_id: id, role: "coordinator" };
    const outcome = await this.tracked(
      ref,
      state,
      agent,
      coordinatorPrompt({ chat, speakers, transcript }),
      workdir,
      tags,
    );
    await this.addSpend(ref, outcome, 0);
    if (outcome.status !== "completed") {
      if (!state.stopped)
        await this.notice(ref, `The coordinator's run ${outcome.status}: ${outcome.error ?? ""}`);
      return state.stopped ? { done: true, reason: "stopped" } : undefined;
    }
    const decision = parseCoordinatorDecision(outcome.response, speakers);
    this.emit(ref, {
      type: "coordinator_decision",
      agent_id: id,
      done: decision?.done ?? false,
      next: decision && !decision.done ? decision.next.member_id : null,
      ...(decision && !decision.done && decision.instruction ? { instruction: decision.instruction } : {}),
      ...(decision?.reason ? { reason: decision.reason } : {}),
      run_id: outcome.runId,
      raw: outcome.response,
    });
    return decision;
  }

  /** Runs and keeps the run's session on the live state, so a stop reaches it (also one that starts late). */
  private async tracked(
    ref: GroupChatSessionRef,
    state: LiveOrchestration,
    agent: AgentRecord,
    prompt: string,
    workdir: string,
    tags: Record<string, unknown>,
  ): Promise<RunOutcome> {
    const sessionId = this.newId();
    state.running = sessionId;
    this.emit(ref, { type: "agent_thinking", ...tags, member_session_id: sessionId });
    try {
      return await runMember({
        runs: this.options.runs,
        events: this.options.events,
        request: { agent, prompt, workdir, sessionId, source: "group_chat" },
        tags: { ...tags, group_chat_id: ref.groupChatId, group_session_id: ref.sessionId },
        emit: (frame) => this.emit(ref, frame),
        onStart: (handle) => {
          this.emit(ref, {
            type: "member_run_started",
            ...tags,
            run_id: handle.runId,
            pid: handle.pid,
            member_session_id: sessionId,
          });
          if (state.stopped) void this.options.runs.stop(sessionId);
        },
      });
    } finally {
      state.running = undefined;
    }
  }

  private async workdirFor(agent: AgentRecord, wanted: string, roots: string[] | undefined): Promise<string> {
    try {
      return await resolveWorkdir(this.options, agent, wanted, roots);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // The agent is narrowed elsewhere (its own workdirs): it works where it may, and still reads the chat.
      return resolveWorkdir(this.options, agent, allowedWorkdirRoots(this.options, agent, roots)[0]!, roots);
    }
  }

  private async recent(ref: GroupChatSessionRef): Promise<GroupChatMessage[]> {
    const page = await this.options.sessions.messages(ref.scope, ref.groupChatId, ref.sessionId, {
      limit: TRANSCRIPT_MESSAGES,
    });
    return page.messages;
  }

  private async budgetSpent(ref: GroupChatSessionRef, chat: GroupChatRecord): Promise<boolean> {
    const budget = chat.limits.budget_cents;
    if (budget === undefined) return false;
    const session = await this.options.sessions.get(ref.scope, ref.groupChatId, ref.sessionId);
    return session.cost_cents >= budget;
  }

  private async notice(ref: GroupChatSessionRef, content: string): Promise<void> {
    const message: GroupChatMessage = {
      id: this.newId(),
      type: "system",
      timestamp: this.now().toISOString(),
      content,
    };
    await this.record(ref, [message]);
  }

  /** Stores messages, moves the session's activity (and spend) and tells the listeners. */
  private async record(
    ref: GroupChatSessionRef,
    messages: GroupChatMessage[],
    outcome?: RunOutcome,
    turns = 0,
  ): Promise<void> {
    await this.options.sessions.appendMessages(ref.scope, ref.groupChatId, ref.sessionId, messages);
    const at = messages.at(-1)?.timestamp ?? this.now().toISOString();
    const shown = messages.findLast((m) => m.content && m.type !== "agent_thinking");
    await this.options.sessions.update(ref.scope, ref.groupChatId, ref.sessionId, (current) => ({
      updated_at: at,
      last_message_at: at,
      message_count: current.message_count + messages.filter((m) => m.type !== "agent_thinking").length,
      ...(shown
        ? {
            last_message: {
              role: shown.type === "user" ? "user" : (shown.agent_id ?? shown.type),
              preview: previewOf(shown.content ?? ""),
              timestamp: shown.timestamp,
            },
          }
        : {}),
      ...(outcome || turns ? spend(current, outcome, turns) : {}),
    }));
    for (const message of messages) {
      this.emit(ref, { type: "new_message", message });
      // The global stream hears of it too (chat lists sort by activity).
      this.options.events?.publish({
        type: "group_chat_message",
        group_chat_id: ref.groupChatId,
        group_session_id: ref.sessionId,
        message_id: message.id,
        message_type: message.type,
        ...(message.agent_id ? { agent_id: message.agent_id } : {}),
      });
    }
  }

  private async addSpend(ref: GroupChatSessionRef, outcome: RunOutcome, turns: number): Promise<void> {
    await this.options.sessions.update(ref.scope, ref.groupChatId, ref.sessionId, (current) =>
      spend(current, outcome, turns),
    );
  }

  private emit(ref: GroupChatSessionRef, frame: GroupChatFrame): void {
    const set = this.listeners.get(keyOf(ref));
    if (!set) return;
    const tagged = { ...frame, group_chat_id: ref.groupChatId, group_session_id: ref.sessionId };
    for (const listener of [...set]) {
      try {
        listener(tagged);
      } catch (error) {
        this.options.logger.warn({ msg: "group chat listener failed", error: (error as Error).message });
      }
    }
  }
}

function keyOf(ref: GroupChatSessionRef): string {
  return `${ref.scope.store.root}\u0000${ref.groupChatId}\u0000${ref.sessionId}`;
}

/** The members that take turns in a session: its `active_agents` when it names some, else every agent member. */
function activeSpeakers(chat: GroupChatRecord, active: string[]): GroupChatMember[] {
  const speakers = speakingMembers(chat);
  if (active.length === 0) return speakers;
  const chosen = speakers.filter((m) => active.includes(m.member_id) || active.includes(m.id));
  return chosen.length > 0 ? chosen : speakers;
}

function spend(
  current: { turns: number; cost_cents: number; tokens: { input: number; output: number } },
  outcome: RunOutcome | undefined,
  turns: number,
): Record<string, unknown> {
  return {
    turns: current.turns + turns,
    cost_cents: Math.round((current.cost_cents + (outcome?.costCents ?? 0)) * 10_000) / 10_000,
    tokens: {
      input: current.tokens.input + (outcome?.tokens.input ?? 0),
      output: current.tokens.output + (outcome?.tokens.output ?? 0),
    },
  };
}
