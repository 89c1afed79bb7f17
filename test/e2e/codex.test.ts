import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  functionCallOutputs,
  messageTexts,
  type ResponsesRequest,
  type ResponsesStub,
  startResponsesStub,
} from "../fixtures/openai-responses-stub.js";
import { type Json, jsonClient, openSse } from "../helpers/clients.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

const _CODEX = resolve(import.meta.dirname, "../../node_modules/.bin/codex");

/** Marker words in the newest user message choose the stub's answer. */
function reply(body: ResponsesRequest) {
  if (functionCallOutputs(body).length > 0)
    return { text: "The file is written.", usage: { input_tokens: 30, output_tokens: 5 } };
  const prompt = messageTexts(body).at(-1) ?? "";
  if (prompt.includes("RUN_TOOL")) {
    return {
      text: "Writing it.",
      toolCall: { name: "exec_command", arguments: { cmd: "echo from-codex > proof.txt" } },
    };
  }
  return { text: "Hello from the Codex stub.", usage: { input_tokens: 12, output_tokens: 4 } };
}

describe("the real Codex CLI through the gateway, against a local Responses API stub", () => {
  let home: string;
  let workdir: string;
  let stub: ResponsesStub;
  let gw: RunningGateway;
  const { post } = jsonClient(() => gw.url);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-codex-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await mkdir(join(home, ".codex"), { recursive: true });
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    stub = await startResponsesStub((body) => reply(body));
    // The user's own Codex configuration points it at the local provider, as a real setup would.
    const codexEnv = await configureRealCodexHome(home, stub.url);
    gw = await startGateway({
      port: 0,
      env: codexEnv,
    });
    const created = await post("/api/agent", {
      name: "Codex",
      executor_type: "CODEX",
      model: "gpt-5.5",
      system_prompt: "Answer tersely, like a telegram.",
      permission_mode: "bypassPermissions",
    });
    expect(created.status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("streams a text answer with usage, passes the system prompt, and resumes the thread", async () => {
    const sse = await openSse(`${gw.url}/api/events?agent_id=codex`);
    const first = await post("/api/agent/codex/spawn", { prompt: "say hello", workdir });
    expect(first.status).toBe(200);
    const sessionId = first.body.session_id as string;
    const done = await sse.waitFor((e) => e.type === "run_complete" && e.session_id === sessionId, 60_000);
    expect(done).toMatchObject({ response: "Hello from the Codex stub.", tokens: { input: 12, output: 4 } });
    expect(JSON.stringify(stub.requests[0]?.input)).toContain("Answer tersely, like a telegram.");
    expect(stub.requests[0]?.model).toBe("gpt-5.5");

    const again = await post("/api/agent/codex/spawn", {
      prompt: "and again",
      workdir,
      session_id: sessionId,
    });
    const second = await sse.waitFor(
      (e) => e.type === "run_complete" && e.run_id === again.body.run_id,
      60_000,
    );
    // Codex reports usage summed over the thread; the gateway reports this run's own.
    expect(second.tokens).toEqual({ input: 12, output: 4 });
    const resumed = JSON.stringify(stub.requests.at(-1)?.input);
    expect(resumed).toContain("say hello");
    expect(resumed).toContain("Hello from the Codex stub.");
    expect(resumed).toContain("and again");
    sse.close();
  }, 120_000);

  it("runs a command tool round trip in the workdir", async () => {
    const chat = await post("/api/chat", { message: "RUN_TOOL now", agent_id: "codex", workdir });
    expect(chat.status).toBe(200);
    expect(chat.body.response).toBe("The file is written.");
    expect(chat.body.tools_used).toHaveLength(1);
    expect(await readFile(join(workdir, "proof.txt"), "utf8")).toBe("from-codex\n");
    const ui = (await (
      await fetch(`${gw.url}/api/agent/codex/sessions/${chat.body.session_id}/ui-messages`)
    ).json()) as {
      messages: Json[];
    };
    const call = (ui.messages[1]?.tool_calls as Json[] | undefined)?.[0];
    expect(JSON.stringify(call?.input)).toContain("echo from-codex > proof.txt");
    expect(call).toMatchObject({ is_error: false });
  }, 120_000);
});
