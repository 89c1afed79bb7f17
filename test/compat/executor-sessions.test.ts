/*
 * Follows the original Viben desktop client's executor-session calls and the server routes they hit:
 *   LinXueyuanStdio/viben apps/desktop/src/lib/gateway/modules/sessions.ts (discoverExecutorSessions,
 *     listExecutorSessions, getExecutorSessionMessages)
 *   LinXueyuanStdio/viben apps/desktop/src/lib/gateway/types/session.ts (ExecutorSession, ExecutorUIMessage)
 *   LinXueyuanStdio/viben packages/core/src/gateway/routes/executors.ts (/api/executors/:type/discover-sessions,
 *     /api/executors/:type/sessions/:sessionId/messages)
 * The real Claude Code and Codex CLIs write their own session logs against local model stubs; the gateway
 * lists them, reads them, imports one as a gateway session and resumes it.
 */
import { spawn } from "node:child_process";
import { appendFile, copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../../runtime/node/server.js";
import {
  type AnthropicStub,
  contentText,
  type MessagesRequest,
  startAnthropicStub,
  toolResults,
} from "../fixtures/anthropic-stub.js";
import {
  functionCallOutputs,
  messageTexts,
  type ResponsesRequest,
  type ResponsesStub,
  startResponsesStub,
} from "../fixtures/openai-responses-stub.js";
import { type Json, jsonClient } from "../helpers/clients.js";
import { configureRealClaudeHome, REAL_CLAUDE, realClaudeEnv } from "../helpers/real-claude-home.js";
import { configureRealCodexHome } from "../helpers/real-codex-home.js";

const CODEX = resolve(import.meta.dirname, "../../node_modules/.bin/codex");

/** Runs a CLI to its end with stdin closed (Codex waits on an open one); resolves with its stdout. */
function runCli(command: string, args: string[], cwd: string, env: Record<string, string | undefined>) {
  return new Promise<string>((done, fail) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.once("error", fail);
    child.once("exit", (code) =>
      code === 0 ? done(out) : fail(new Error(`${command} exited ${code}: ${err}`)),
    );
  });
}

/** The ids of a JSON-lines stdout's lines of one type. */
const linesOf = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Json);

describe("Claude Code's own sessions through the gateway (the Viben desktop client's calls)", () => {
  let home: string;
  let workdir: string;
  let stub: AnthropicStub;
  let gw: RunningGateway;
  let env: Record<string, string | undefined>;
  let nativeId: string;
  const { post, get } = jsonClient(() => gw.url);

  const claudeReply = (body: MessagesRequest) => {
    if (toolResults(body).length > 0)
      return { text: "Noted the word.", usage: { input_tokens: 30, output_tokens: 4 } };
    const prompt = contentText(body.messages.findLast((m) => m.role === "user")?.content);
    if (prompt.includes("RUN_TOOL"))
      return { toolUse: { name: "Bash", input: { command: "echo banana", description: "say it" } } };
    return { text: "Resumed fine.", usage: { input_tokens: 20, output_tokens: 3 } };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-exsessions-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await configureRealClaudeHome(home, 120);
    stub = await startAnthropicStub(claudeReply);
    env = realClaudeEnv(home, stub.url);
    // The user works with Claude Code directly, outside the gateway: it logs its own session.
    const out = await runCli(
      REAL_CLAUDE,
      [
        "-p",
        "RUN_TOOL and remember the word banana",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "bypassPermissions",
      ],
      workdir,
      env,
    );
    nativeId = linesOf(out).find((l) => l.type === "result")!.session_id as string;
    gw = await startGateway({ port: 0, env });
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("lists the session as discoverExecutorSessions and listExecutorSessions ask for it", async () => {
    // discoverExecutorSessions: GET /api/executors/:type/discover-sessions?workspace_path=… → data.sessions
    const discovered = await get(
      `/api/executors/CLAUDE_CODE/discover-sessions?workspace_path=${encodeURIComponent(workdir)}`,
    );
    const sessions = discovered.sessions as Json[];
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({
      id: nativeId,
      executor_type: "CLAUDE_CODE",
      workspace_path: workdir,
      name: "RUN_TOOL and remember the word banana",
      message_count: 4,
    });
    expect(Date.parse(sessions[0]!.created_at as string)).not.toBeNaN();
    expect(Date.parse(sessions[0]!.updated_at as string)).not.toBeNaN();

    const listed = await get("/api/executors/CLAUDE_CODE/sessions");
    expect(listed).toMatchObject({ total: 1, offset: 0, next_offset: null });
    expect((listed.sessions as Json[]).map((s) => s.id)).toEqual([nativeId]);
    // A workspace with no sessions of its own lists none; the executor id is case-insensitive as elsewhere.
    const other = await get(`/api/executors/claude_code/sessions?workspace_path=${encodeURIComponent(home)}`);
    expect(other).toMatchObject({ sessions: [], total: 0 });
  });

  it("reads the messages as getExecutorSessionMessages does, tolerating a torn last line", async () => {
    const url = `/api/executors/CLAUDE_CODE/sessions/${nativeId}/messages?workspace_path=${encodeURIComponent(workdir)}`;
    const body = await get(url);
    const messages = body.messages as Json[];
    expect(messages.map((m) => m.type)).toEqual(["user", "tool_use", "tool_result", "text"]);
    expect(messages[0]).toMatchObject({ content: "RUN_TOOL and remember the word banana" });
    expect(messages[1]).toMatchObject({ tool_name: "Bash", tool_input: { command: "echo banana" } });
    expect(messages[2]).toMatchObject({
      tool_use_id: messages[1]!.tool_use_id,
      content: "banana",
      is_error: false,
    });
    expect(messages[3]).toMatchObject({ content: "Noted the word." });
    const limited = await get(`${url}&limit=2&offset=1`);
    expect((limited.messages as Json[]).map((m) => m.type)).toEqual(["tool_use", "tool_result"]);
    expect(limited).toMatchObject({ total: 4, next_offset: 3 });

    // A copy of the log cut in the middle of a line (a CLI that crashed while writing) still reads.
    const projects = join(home, ".claude/projects");
    const [project] = await readdir(projects);
    const tornId = "00000000-0000-4000-8000-000000000001";
    await copyFile(
      join(projects, project!, `${nativeId}.jsonl`),
      join(projects, project!, `${tornId}.jsonl`),
    );
    await appendFile(join(projects, project!, `${tornId}.jsonl`), '{"type":"user","message":{"role":"us');
    const torn = await get(`/api/executors/CLAUDE_CODE/sessions/${tornId}/messages`);
    expect((torn.messages as Json[]).map((m) => m.type)).toEqual(["user", "tool_use", "tool_result", "text"]);
    const paged = await get("/api/executors/CLAUDE_CODE/sessions?limit=1");
    expect(paged).toMatchObject({ total: 2, limit: 1, next_offset: 1 });
    expect(await get("/api/executors/CLAUDE_CODE/sessions?limit=1&offset=1")).toMatchObject({
      next_offset: null,
    });
    await rm(join(projects, project!, `${tornId}.jsonl`));
  });

  it("refuses ids that could name another file, unknown sessions and executors without a log format", async () => {
    const status = async (path: string) => (await fetch(`${gw.url}${path}`)).status;
    const refused = await fetch(
      `${gw.url}/api/executors/CLAUDE_CODE/sessions/..%2F..%2F.viben%2Fgateway/messages`,
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "session_id" },
    });
    expect(await status("/api/executors/CLAUDE_CODE/sessions/a.b")).toBe(400);
    const missing = await fetch(`${gw.url}/api/executors/CLAUDE_CODE/sessions/${"f".repeat(36)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: "NATIVE_SESSION_NOT_FOUND" });
    const amp = await fetch(`${gw.url}/api/executors/AMP/sessions`);
    expect(amp.status).toBe(404);
    expect(await amp.json()).toMatchObject({ code: "NATIVE_SESSIONS_UNSUPPORTED" });
    expect(await status("/api/executors/NOPE/sessions")).toBe(404);
    expect(await status("/api/executors/CLAUDE_CODE/sessions?workspace_path=relative/dir")).toBe(400);
    expect(await status("/api/executors/CLAUDE_CODE/sessions?limit=0")).toBe(400);
    expect(await status("/api/executors/CLAUDE_CODE/sessions?offset=-1")).toBe(400);
  });

  it("imports the session and resumes it through the gateway: the model sees the earlier turn", async () => {
    const imported = await post(`/api/executors/CLAUDE_CODE/sessions/${nativeId}/import`, {});
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({
      agent_id: "CLAUDE_CODE",
      executor_type: "CLAUDE_CODE",
      native_session_id: nativeId,
      workdir,
      title: "RUN_TOOL and remember the word banana",
      imported_messages: 4,
    });
    const sessionId = imported.body.id as string;
    const stored = await get(`/api/sessions/${sessionId}`);
    expect((stored.messages as Json[]).map((m) => m.role)).toEqual([
      "user",
      "assistant",
      "tool",
      "assistant",
    ]);
    // Importing again answers the session made the first time.
    const again = await post(`/api/executors/CLAUDE_CODE/sessions/${nativeId}/import`, {});
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(sessionId);

    const chat = await post("/api/chat", { session_id: sessionId, message: "what was the word?" });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ session_id: sessionId, response: "Resumed fine." });
    const transcript = stub.requests
      .at(-1)!
      .messages.map((m) => contentText(m.content))
      .join("\n");
    expect(transcript).toContain("RUN_TOOL and remember the word banana");
    expect(transcript).toContain("Noted the word.");
    expect(transcript).toContain("what was the word?");
    // Claude Code kept its own id and appended the turn to the same log.
    const after = await get(`/api/executors/CLAUDE_CODE/sessions/${nativeId}`);
    expect(after).toMatchObject({ id: nativeId, message_count: 6 });
  });

  it("refuses an import for an agent of another executor", async () => {
    const created = await post("/api/agent", { name: "Codexer", executor_type: "CODEX" });
    expect(created.status).toBe(201);
    const refused = await post(`/api/executors/CLAUDE_CODE/sessions/${nativeId}/import`, {
      agent_id: "codexer",
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: "AGENT_EXECUTOR_MISMATCH", details: { field: "agent_id" } });
  });
});

describe("Codex's own sessions (rollouts) through the gateway", () => {
  let home: string;
  let workdir: string;
  let stub: ResponsesStub;
  let gw: RunningGateway;
  let threadId: string;
  const { post, get } = jsonClient(() => gw.url);

  const codexReply = (body: ResponsesRequest) => {
    if (functionCallOutputs(body).length > 0)
      return { text: "Noted the word.", usage: { input_tokens: 30, output_tokens: 5 } };
    const prompt = messageTexts(body).at(-1) ?? "";
    if (prompt.includes("RUN_TOOL"))
      return { text: "Checking.", toolCall: { name: "exec_command", arguments: { cmd: "echo banana" } } };
    return { text: "Resumed fine.", usage: { input_tokens: 12, output_tokens: 4 } };
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-exsessions-codex-"));
    workdir = join(home, "project");
    await mkdir(workdir);
    await mkdir(join(home, ".codex"), { recursive: true });
    await mkdir(join(home, ".viben/executors"), { recursive: true });
    stub = await startResponsesStub(codexReply);
    const env = await configureRealCodexHome(home, stub.url);
    const out = await runCli(
      CODEX,
      [
        "exec",
        "--json",
        "--skip-git-repo-check",
        "--dangerously-bypass-approvals-and-sandbox",
        "RUN_TOOL and remember the word banana",
      ],
      workdir,
      env,
    );
    threadId = linesOf(out).find((l) => l.type === "thread.started")!.thread_id as string;
    gw = await startGateway({ port: 0, env });
  }, 120_000);

  afterAll(async () => {
    await gw?.close();
    await stub?.close();
    await rm(home, { recursive: true, force: true });
  });

  it("lists, reads, imports and resumes the rollout", async () => {
    const listed = await get(`/api/executors/CODEX/sessions?workspace_path=${encodeURIComponent(workdir)}`);
    expect(listed).toMatchObject({ total: 1 });
    expect((listed.sessions as Json[])[0]).toMatchObject({
      id: threadId,
      executor_type: "CODEX",
      workspace_path: workdir,
      name: "RUN_TOOL and remember the word banana",
    });
    expect(
      await get(`/api/executors/CODEX/sessions?workspace_path=${encodeURIComponent(home)}`),
    ).toMatchObject({
      total: 0,
    });

    const read = await get(`/api/executors/CODEX/sessions/${threadId}/messages`);
    const messages = read.messages as Json[];
    // The CLI's own instructions and environment context are not the user's messages.
    expect(messages.filter((m) => m.type === "user").map((m) => m.content)).toEqual([
      "RUN_TOOL and remember the word banana",
    ]);
    expect(messages.map((m) => m.type)).toEqual(["user", "text", "tool_use", "tool_result", "text"]);
    expect(messages[2]).toMatchObject({ tool_name: "exec_command", tool_input: { cmd: "echo banana" } });
    expect(messages[3]!.tool_use_id).toBe(messages[2]!.tool_use_id);
    expect(messages[4]).toMatchObject({ content: "Noted the word." });

    const imported = await post(`/api/executors/CODEX/sessions/${threadId}/import`, { title: "Banana" });
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({
      native_session_id: threadId,
      workdir,
      title: "Banana",
      agent_id: "CODEX",
    });
    const chat = await post("/api/chat", { session_id: imported.body.id, message: "what was the word?" });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ response: "Resumed fine." });
    const last = stub.requests.at(-1)!;
    const texts = JSON.stringify(last.input);
    expect(texts).toContain("RUN_TOOL and remember the word banana");
    expect(texts).toContain("what was the word?");
  });
});
