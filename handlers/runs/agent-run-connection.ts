import type { WSContext } from "hono/ws";
import { z } from "zod";
import { conflict, invalid, StorageError } from "../../storage/errors.js";
import type { GatewayConfig } from "../../storage/gateway-config.js";
import { describeIssues } from "../../storage/schema-helpers.js";
import { checkRunAccess } from "../access/run-access.js";
import type { InteractiveRun, InteractiveRunEvent, QuestionAnswer } from "../capabilities/runs.js";
import type { Services } from "../context.js";
import { ApiError } from "../errors.js";
import { agentRunFrames, answerFromAnswers } from "./agent-run-frames.js";
import { AgentRunFields, type AgentRunInput, prepareAgentRun } from "./agent-run-requests.js";
import { requireInteractiveRuns } from "./interactive-runs.js";

const MAX_FRAME_BYTES = 2 * 1024 * 1024;
const QuestionRef = {
  question_id: z.string().min(1).max(200).optional(),
  plan_id: z.string().min(1).max(200).optional(),
  id: z.string().min(1).max(200).optional(),
};

/** The client messages of Viben's /ws/agent/run (apps and server agent-ws.ts); unknown fields are ignored. */
const ClientMessage = z.discriminatedUnion("type", [
  z.object({ type: z.literal("start"), ...AgentRunFields }).loose(),
  z
    .object({
      type: z.literal("answer"),
      ...QuestionRef,
      answers: z.record(z.string(), z.string().max(100_000)),
    })
    .loose(),
  z.object({ type: z.literal("approve"), ...QuestionRef }).loose(),
  z
    .object({ type: z.literal("reject"), ...QuestionRef, message: z.string().max(100_000).optional() })
    .loose(),
  z.object({ type: z.literal("cancel") }).loose(),
  z
    .object({
      type: z.literal("steer"),
      message: z.string().trim().min(1, "must not be empty").max(1_000_000),
    })
    .loose(),
  z.object({ type: z.literal("ping") }).loose(),
]);

type Message = z.infer<typeof ClientMessage>;

/** What the handshake's query says (Viben passes the run's context there): defaults for `start`. */
export type ConnectionDefaults = Partial<
  Pick<AgentRunInput, "cwd" | "agent_config_path" | "session_id" | "agent_id">
>;

/**
 * One /ws/agent/run connection: `start` runs the agent and streams its frames; while it runs, `steer`
 * adds a turn, `answer` / `approve` / `reject` settle its questions and `cancel` interrupts it. The
 * connection keeps its session, so a later `start` continues the same conversation. A bad message gets
 * an `error` frame and the connection stays usable; closing the socket interrupts the run.
 */
export class AgentRunConnection {
  private run: InteractiveRun | undefined;
  private starting = false;
  private sessionId: string | undefined;
  private closed = false;

  constructor(
    private readonly services: Services,
    private readonly config: GatewayConfig,
    private readonly defaults: ConnectionDefaults,
    private readonly ws: WSContext,
    /** The API key of the handshake (access rules check runs by its name). */
    private readonly keyName?: string,
  ) {
    this.sessionId = defaults.session_id;
  }

  async onMessage(data: unknown): Promise<void> {
    if (typeof data !== "string") return this.error("INVALID_FRAME", "messages must be JSON text");
    if (data.length > MAX_FRAME_BYTES)
      return this.error("FRAME_TOO_LARGE", `messages are limited to ${MAX_FRAME_BYTES} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return this.error("INVALID_JSON", "Failed to parse message: not valid JSON");
    }
    const type = (json as { type?: unknown } | null)?.type;
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const known = ["start", "answer", "approve", "reject", "cancel", "steer", "ping"];
      return typeof type === "string" && !known.includes(type)
        ? this.error("UNKNOWN_MESSAGE_TYPE", `Unknown message type: ${type}`)
        : this.error("INVALID_MESSAGE", `invalid message: ${describeIssues(parsed.error).message}`);
    }
    try {
      await this.handle(parsed.data);
    } catch (error) {
      this.fail(error);
    }
  }

  /** The socket closed: a run still going is interrupted (nobody is left to answer it). */
  close(): void {
    this.closed = true;
    if (this.run) void this.run.interrupt().catch(() => undefined);
  }

  private async handle(message: Message): Promise<void> {
    switch (message.type) {
      case "ping":
        return this.send({ type: "pong" });
      case "start":
        return this.start(message);
      case "steer":
        return this.requireRun("steer").steer(message.message);
      case "cancel":
        return this.requireRun("cancel").interrupt();
      case "answer": {
        const run = this.requireRun("answer");
        const question = this.question(run, message);
        return run.answer(question.id, answerFromAnswers(question, message.answers));
      }
      case "approve":
      case "reject": {
        const run = this.requireRun(message.type);
        const question = this.question(run, message);
        const answer: QuestionAnswer =
          message.type === "approve"
            ? { behavior: "allow" }
            : { behavior: "deny", message: message.message ?? "The user rejected this action." };
        return run.answer(question.id, answer);
      }
    }
  }

  private async start(message: Extract<Message, { type: "start" }>): Promise<void> {
    if (this.run || this.starting) {
      throw conflict("RUN_IN_PROGRESS", "Agent is already running. Send 'cancel' first to stop.");
    }
    this.starting = true;
    try {
      const runs = requireInteractiveRuns(this.services);
      const input: AgentRunInput = {
        ...message,
        cwd: message.cwd ?? message.workdir ?? this.defaults.cwd,
        agent_id: message.agent_id ?? this.defaults.agent_id,
        agent_config_path: message.agent_config_path ?? this.defaults.agent_config_path,
        session_id: message.session_id ?? message.resume_session ?? message.resume ?? this.sessionId,
      };
      const request = await prepareAgentRun(this.services, input, this.config.workdirRoots, "agent_ws");
      await checkRunAccess(this.services, this.keyName, request.agent.id);
      const run = await runs.startInteractive({ ...request, onEvent: (event) => this.forward(event) });
      this.run = run;
      this.sessionId = run.sessionId;
      // The socket closed while the run was starting: nobody is left to talk to it.
      if (this.closed) void run.interrupt().catch(() => undefined);
      void run.done.finally(() => {
        if (this.run === run) this.run = undefined;
      });
    } finally {
      this.starting = false;
    }
  }

  private forward(event: InteractiveRunEvent): void {
    // The run is over once `end` is sent: a `start` right after `done` must not be refused.
    if (event.type === "end") this.run = undefined;
    for (const frame of agentRunFrames(event)) this.send(frame);
  }

  private requireRun(action: string): InteractiveRun {
    if (!this.run) throw conflict("NO_RUN", `No agent is running to ${action}`);
    return this.run;
  }

  /** The question a message names (`question_id`, `plan_id` or `id`), else the only one pending. */
  private question(run: InteractiveRun, ref: { question_id?: string; plan_id?: string; id?: string }) {
    if (!run.features.questions) {
      throw conflict(
        "QUESTIONS_NOT_SUPPORTED",
        "this run's executor asks no questions: there is nothing to answer, approve or reject",
      );
    }
    const id = ref.question_id ?? ref.plan_id ?? ref.id;
    const pending = run.pendingQuestions;
    if (!id && pending.length === 1) return pending[0]!;
    if (!id) throw invalid("question_id", "required (no single question is pending)");
    const question = pending.find((q) => q.id === id);
    if (!question) {
      throw new StorageError(
        "not_found",
        "QUESTION_NOT_FOUND",
        `question '${id}' is not pending (unknown, answered or withdrawn)`,
        {
          question_id: id,
        },
      );
    }
    return question;
  }

  private send(frame: Record<string, unknown>): void {
    if (!this.closed) this.ws.send(JSON.stringify(frame));
  }

  private error(code: string, message: string): void {
    this.send({ type: "error", message, code });
  }

  private fail(error: unknown): void {
    if (error instanceof ApiError || error instanceof StorageError) {
      this.error(error.code, error.message);
      return;
    }
    this.services.logger.error({ msg: "agent run message failed", error: (error as Error).message });
    this.error("INTERNAL_ERROR", "internal error");
  }
}
