import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  type StubReply,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import { jsonClient } from "./clients.js";
import { configureRealClaudeHome, realClaudeEnv } from "./real-claude-home.js";

export const lastUserText = (body: MessagesRequest) =>
  contentText(body.messages.findLast((m) => m.role === "user")?.content);

/** Opens a gate a stub reply waits on, so a test can act while the model call is in flight. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/**
 * The stub's behaviour for interactive runs, chosen by marker words in the last user turn (Claude Code
 * adds its own text around the prompt, so the markers are not ordinary words):
 * SAY_HELLO streams text; RUN_TOOL runs a harmless Bash command; ASK_PERM writes a file, which in the
 * `default` permission mode makes Claude Code ask over the control channel; HANG_NOW streams some text
 * then never finishes; ASK_USER asks the user a question (AskUserQuestion); MAKE_PLAN proposes a plan
 * (ExitPlanMode); STEER_FIRST waits on `steerGate` before answering; STEER_SECOND is the steer.
 */
export function interactiveScript(steerGate: { opened: Promise<void> }) {
  return async (body: MessagesRequest): Promise<StubReply> => {
    const results = toolResults(body);
    if (results.length > 0) {
      const text = results.map((r) => contentText(r.content as string)).join(" ");
      return { text: `Tool said: ${text.slice(0, 200)}`, usage: { input_tokens: 40, output_tokens: 6 } };
    }
    const prompt = lastUserText(body);
    if (prompt.includes("RUN_TOOL")) {
      return { toolUse: { name: "Bash", input: { command: "echo tool-output-42", description: "echo" } } };
    }
    if (prompt.includes("ASK_PERM")) {
      return {
        toolUse: {
          name: "Bash",
          input: { command: "echo approved > perm.txt", description: "write perm.txt" },
        },
      };
    }
    if (prompt.includes("ASK_USER")) {
      const question = { question: "Which color?", header: "Color", multiSelect: false };
      const options = [
        { label: "Red", description: "warm" },
        { label: "Blue", description: "cool" },
      ];
      return { toolUse: { name: "AskUserQuestion", input: { questions: [{ ...question, options }] } } };
    }
    if (prompt.includes("MAKE_PLAN")) {
      return {
        toolUse: { name: "ExitPlanMode", input: { plan: "# Fix the bug\n- read the code\n- patch it" } },
      };
    }
    if (prompt.includes("HANG_NOW")) return { text: "Working on it", hang: true };
    if (prompt.includes("STEER_SECOND")) return { text: "Steered reply." };
    if (prompt.includes("STEER_FIRST")) {
      await steerGate.opened;
      return { text: "First reply." };
    }
    return { text: "Hello from the stub model.", chunks: 4, usage: { input_tokens: 25, output_tokens: 9 } };
  };
}

export interface InteractiveHarness {
  home: string;
  workdir: string;
  stub: AnthropicStub;
  gw: RunningGateway;
  steerGate: ReturnType<typeof gate>;
  close(): Promise<void>;
}

/**
 * A gateway on port 0 with a temporary HOME, the real Claude Code CLI against the stub, and two agents:
 * `claude-ask` (permission mode `default`: tool uses are asked over the control channel) and
 * `claude-auto` (`bypassPermissions`).
 */
export async function startInteractiveHarness(): Promise<InteractiveHarness> {
  const home = await mkdtemp(join(tmpdir(), "viben-interactive-"));
  const workdir = join(home, "project");
  await mkdir(workdir);
  await configureRealClaudeHome(home, 120);
  const steerGate = gate();
  const stub = await startAnthropicStub(interactiveScript(steerGate));
  const gw = await startGateway({
    port: 0,
    env: realClaudeEnv(home, stub.url),
  });
  const { post } = jsonClient(() => gw.url);
  for (const [id, mode] of [
    ["claude-ask", "default"],
    ["claude-auto", "bypassPermissions"],
  ] as const) {
    const created = await post("/api/agent", {
      id,
      name: id,
      executor_type: "CLAUDE_CODE",
      model: "claude-sonnet-4-5",
      permission_mode: mode,
    });
    if (created.status !== 201) throw new Error(`agent ${id}: ${JSON.stringify(created.body)}`);
  }
  return {
    home,
    workdir,
    stub,
    gw,
    steerGate,
    close: async () => {
      steerGate.open();
      await gw.close();
      await stub.close();
    },
  };
}

export const fileExists = (path: string) => existsSync(path);
