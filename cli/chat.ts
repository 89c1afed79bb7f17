import { createInterface, type Interface } from "node:readline/promises";
import { createParser } from "eventsource-parser";
import { gatewayClient, unwrap } from "./client.js";
import type { CliContext } from "./context.js";
import { CliError } from "./errors.js";

/*
 * `viben chat` and `viben run`: a run through POST /api/agent/run (the Viben desktop's agent-run stream),
 * its SSE frames printed as they arrive; questions (tool approvals) answered through /api/agent/run/answer,
 * Ctrl-C sent as /api/agent/run/cancel (the run stops, the gateway does not).
 */

type Frame = Record<string, unknown> & { type: string };

export interface TurnOutcome {
  session_id?: string;
  run_id?: string;
  status: string;
  text: string;
  tool_calls: { name: string; input: unknown; output?: string; is_error?: boolean }[];
  error?: string;
  tokens?: unknown;
  cost_cents?: unknown;
}

export interface TurnOptions {
  agent?: string;
  message: string;
  sessionId?: string;
  cwd?: string;
  /** Prints the stream for a person (chat); off for `run --json`. */
  live: boolean;
  /** Decides a question the agent asks (a tool use to approve); true approves. */
  decide(question: Frame): Promise<boolean>;
}

/** Exit codes of `viben run`: 0 completed, 1 failed or timed out, 130 stopped (as a shell reports Ctrl-C). */
export function exitCodeOf(status: string): number {
  if (status === "completed") return 0;
  if (status === "stopped") return 130;
  return 1;
}

/** One turn: starts the run, prints and collects its frames until `done`; Ctrl-C cancels the run. */
export async function runTurn(context: CliContext, options: TurnOptions): Promise<TurnOutcome> {
  const client = gatewayClient(context);
  const { out } = context;
  const c = out.colors;
  const outcome: TurnOutcome = { status: "failed", text: "", tool_calls: [] };
  const { data, error, response } = await client.POST("/api/agent/run", {
    body: {
      prompt: options.message,
      ...(options.agent ? { agent_id: options.agent } : {}),
      ...(options.sessionId ? { session_id: options.sessionId } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
    },
    parseAs: "stream",
  });
  if (!response.ok || !data) await unwrap(Promise.resolve({ data: undefined, error, response }));
  const stream = data as unknown as ReadableStream<Uint8Array>;

  let cancelling = false;
  const onSigint = () => {
    if (!outcome.session_id || cancelling) {
      // A second Ctrl-C (or one before the run has a session) leaves at once.
      process.exit(130);
    }
    cancelling = true;
    if (options.live) out.note(c.yellow("\nstopping the run… (Ctrl-C again to leave at once)"));
    void client.POST("/api/agent/run/cancel", { body: { session_id: outcome.session_id } });
  };
  process.on("SIGINT", onSigint);
  const pending: Promise<void>[] = [];
  const handle = (frame: Frame) => {
    switch (frame.type) {
      case "session":
        outcome.session_id = frame.session_id as string;
        outcome.run_id = frame.run_id as string | undefined;
        break;
      case "text":
        outcome.text += String(frame.content ?? "");
        if (options.live) process.stdout.write(String(frame.content ?? ""));
        break;
      case "tool_use":
        outcome.tool_calls.push({ name: String(frame.name), input: frame.input });
        if (options.live) out.line(c.dim(`\n⏺ ${frame.name}(${compact(frame.input)})`));
        break;
      case "tool_result": {
        const call = outcome.tool_calls.at(-1);
        const output = typeof frame.output === "string" ? frame.output : JSON.stringify(frame.output);
        if (call) Object.assign(call, { output, is_error: frame.is_error === true });
        if (options.live) out.line(c.dim(`  ⎿ ${firstLine(output)}`));
        break;
      }
      case "question":
        pending.push(answer(frame));
        break;
      case "error":
        outcome.error = String(frame.message ?? "the run failed");
        if (options.live) out.note(c.red(`\n${frame.code ? `${frame.code}: ` : ""}${outcome.error}`));
        break;
      case "done":
        outcome.status = String(frame.status);
        outcome.tokens = frame.tokens;
        outcome.cost_cents = frame.cost_cents;
        break;
    }
  };
  const answer = async (frame: Frame) => {
    const approved = await options.decide(frame);
    await unwrap(
      client.POST("/api/agent/run/answer", {
        body: { session_id: outcome.session_id as string, question_id: String(frame.id), approved },
      }),
    );
  };
  const parser = createParser({
    onEvent: (event) => {
      try {
        handle(JSON.parse(event.data) as Frame);
      } catch (problem) {
        if (!(problem instanceof SyntaxError)) throw problem;
      }
    },
  });
  try {
    const decoder = new TextDecoder();
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
    await Promise.all(pending);
  } finally {
    process.off("SIGINT", onSigint);
  }
  if (options.live && outcome.text && !outcome.text.endsWith("\n")) process.stdout.write("\n");
  return outcome;
}

/** Asks a person at the terminal whether to allow what the agent wants to do. */
export function askAtTerminal(rl: () => Interface, context: CliContext) {
  return async (question: Frame): Promise<boolean> => {
    const c = context.out.colors;
    const what = `${question.tool_name ?? question.kind}(${compact(question.input)})`;
    const reply = await rl().question(c.yellow(`Allow ${what}? [y/N] `));
    return /^y(es)?$/i.test(reply.trim());
  };
}

/** The interactive loop: a prompt per turn in one session, until an empty line at EOF or Ctrl-D. */
export async function chatLoop(context: CliContext, agent: string | undefined, cwd?: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  let closed = false;
  rl.on("close", () => {
    closed = true;
  });
  // Ctrl-C at the prompt leaves; during a turn (terminal not raw) it is SIGINT, which stops the run.
  rl.on("SIGINT", () => rl.close());
  const c = context.out.colors;
  context.out.note(
    c.dim(`chatting with ${agent ?? "the default agent"}; Ctrl-D or Ctrl-C at the prompt leaves`),
  );
  let sessionId: string | undefined;
  while (!closed) {
    let message: string;
    try {
      message = (await rl.question(c.bold("you> "))).trim();
    } catch {
      break; // the input ended
    }
    if (!message) continue;
    rl.pause();
    // While the run streams, the terminal is in its normal mode: Ctrl-C is the process's SIGINT (which stops
    // the run) and what is typed meanwhile waits for the next prompt.
    const raw = process.stdin.isTTY ? process.stdin.isRaw : undefined;
    if (raw) process.stdin.setRawMode(false);
    const outcome = await runTurn(context, {
      agent,
      message,
      sessionId,
      cwd,
      live: true,
      decide: askAtTerminal(() => rl, context),
    }).finally(() => {
      if (raw) process.stdin.setRawMode(true);
    });
    rl.resume();
    sessionId = outcome.session_id ?? sessionId;
    if (outcome.status !== "completed") context.out.note(c.yellow(`(run ${outcome.status})`));
  }
  rl.close();
}

function compact(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? "");
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function firstLine(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 100 ? `${line.slice(0, 97)}…` : line;
}

export function requireMessage(message: string | undefined): string {
  if (!message?.trim())
    throw new CliError("give the message to send (or use `viben chat` for a conversation)");
  return message;
}
