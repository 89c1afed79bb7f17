import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NativeSessionStore } from "../../../handlers/capabilities/native-sessions.js";
import { createNativeSessionStore } from "../../../runtime/executors/native-sessions/store.js";

const jsonl = (...records: unknown[]) => `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
const CLAUDE_ID = "11111111-2222-4333-8444-555555555555";
const CODEX_ID = "0199aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee";
const GEMINI_ID = "9f8e7d6c-1111-4222-8333-444455556666";

describe("the executors' own session logs (Node reader)", () => {
  let home: string;
  let store: NativeSessionStore;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), "viben-native-"));
    store = createNativeSessionStore({ home, env: {} });
  });
  afterEach(() => rm(home, { recursive: true, force: true }));

  it("answers an empty page before the executor has written anything", async () => {
    expect(await store.list("CLAUDE_CODE", { offset: 0, limit: 10 })).toEqual({ sessions: [], total: 0 });
    expect(await store.list("CODEX", { offset: 0, limit: 10 })).toEqual({ sessions: [], total: 0 });
    await expect(store.read("CODEX", CODEX_ID)).rejects.toMatchObject({ code: "NATIVE_SESSION_NOT_FOUND" });
    await expect(store.list("AMP", { offset: 0, limit: 10 })).rejects.toMatchObject({
      code: "NATIVE_SESSIONS_UNSUPPORTED",
    });
  });

  it("reads an older Codex rollout (user_message/agent_message events) and skips the CLI's own context", async () => {
    const day = join(home, ".codex/sessions/2025/09/30");
    await mkdir(day, { recursive: true });
    await writeFile(
      join(day, `rollout-2025-09-30T10-00-00-${CODEX_ID}.jsonl`),
      jsonl(
        {
          timestamp: "2025-09-30T10:00:00.000Z",
          type: "session_meta",
          payload: { id: CODEX_ID, cwd: "/w/app" },
        },
        {
          timestamp: "2025-09-30T10:00:01.000Z",
          type: "response_item",
          payload: {
            type: "message",
            role: "user",
            content: [{ type: "input_text", text: "<environment_context/>" }],
          },
        },
        {
          timestamp: "2025-09-30T10:00:01.000Z",
          type: "response_item",
          payload: { type: "message", role: "user", content: [{ type: "input_text", text: "fix the bug" }] },
        },
        {
          timestamp: "2025-09-30T10:00:01.000Z",
          type: "event_msg",
          payload: { type: "user_message", message: "fix the bug" },
        },
        {
          timestamp: "2025-09-30T10:00:02.000Z",
          type: "response_item",
          payload: { type: "reasoning", summary: [{ type: "summary_text", text: "Look first." }] },
        },
        {
          timestamp: "2025-09-30T10:00:03.000Z",
          type: "response_item",
          payload: { type: "function_call", name: "shell", arguments: '{"command":["ls"]}', call_id: "c1" },
        },
        {
          timestamp: "2025-09-30T10:00:04.000Z",
          type: "response_item",
          payload: { type: "function_call_output", call_id: "c1", output: '{"output":"a.txt"}' },
        },
        {
          timestamp: "2025-09-30T10:00:05.000Z",
          type: "event_msg",
          payload: { type: "agent_message", message: "Fixed." },
        },
      ),
    );
    const { summary, messages } = await store.read("CODEX", CODEX_ID);
    expect(summary).toMatchObject({ id: CODEX_ID, cwd: "/w/app", name: "fix the bug", message_count: 5 });
    expect(messages.map((m) => m.type)).toEqual(["user", "thinking", "tool_use", "tool_result", "text"]);
    expect(messages[2]).toMatchObject({
      tool_name: "shell",
      tool_input: { command: ["ls"] },
      tool_use_id: "c1",
    });
    expect(messages[3]).toMatchObject({ tool_use_id: "c1", content: '{"output":"a.txt"}' });
    expect((await store.list("CODEX", { workspacePath: "/w/app", offset: 0, limit: 5 })).total).toBe(1);
    expect((await store.list("CODEX", { workspacePath: "/w/other", offset: 0, limit: 5 })).total).toBe(0);
  });

  it("reads a Gemini CLI log: updated and rewound messages, tool calls, its directory only by hash", async () => {
    const project = join(home, "project");
    const hash = createHash("sha256").update(project).digest("hex");
    const chats = join(home, ".gemini/tmp", hash.slice(0, 12), "chats");
    await mkdir(chats, { recursive: true });
    const at = "2026-02-01T10:00:00.000Z";
    await writeFile(
      join(chats, `session-2026-02-01T10-00-${GEMINI_ID.slice(0, 8)}.jsonl`),
      jsonl(
        { sessionId: GEMINI_ID, projectHash: hash, startTime: at, lastUpdated: at, kind: "main" },
        { id: "m1", timestamp: at, type: "user", content: [{ text: "count the files" }] },
        {
          id: "m2",
          timestamp: at,
          type: "gemini",
          content: "",
          thoughts: [{ subject: "Plan", description: "use ls" }],
        },
        {
          id: "m2",
          timestamp: at,
          type: "gemini",
          content: "",
          thoughts: [{ subject: "Plan", description: "use ls" }],
          toolCalls: [
            {
              id: "call-1",
              name: "run_shell_command",
              args: { command: "ls" },
              status: "success",
              timestamp: at,
              result: [
                {
                  functionResponse: {
                    id: "call-1",
                    name: "run_shell_command",
                    response: { output: "a.txt" },
                  },
                },
              ],
            },
          ],
        },
        { id: "m3", timestamp: at, type: "gemini", content: "A wrong answer." },
        { $rewindTo: "m3" },
        { id: "m4", timestamp: at, type: "info", content: "shown to the user only" },
        { id: "m5", timestamp: at, type: "gemini", content: "One file." },
        { $set: { summary: "counting" } },
      ),
    );
    const listed = await store.list("GEMINI", { workspacePath: project, offset: 0, limit: 5 });
    expect(listed.sessions).toEqual([
      expect.objectContaining({ id: GEMINI_ID, cwd: project, name: "count the files", message_count: 5 }),
    ]);
    expect((await store.list("GEMINI", { workspacePath: home, offset: 0, limit: 5 })).total).toBe(0);
    const plain = await store.read("GEMINI", GEMINI_ID);
    expect(plain.summary).toMatchObject({ cwd: "", created_at: at });
    expect(plain.messages.map((m) => m.type)).toEqual([
      "user",
      "thinking",
      "tool_use",
      "tool_result",
      "text",
    ]);
    expect(plain.messages[2]).toMatchObject({
      tool_name: "run_shell_command",
      tool_input: { command: "ls" },
    });
    expect(plain.messages[3]).toMatchObject({ tool_use_id: "call-1", content: "a.txt", is_error: false });
    expect(plain.messages[4]).toMatchObject({ content: "One file." });
    expect((await store.read("GEMINI", GEMINI_ID, { cwd: project })).summary.cwd).toBe(project);
    await expect(store.read("GEMINI", GEMINI_ID, { cwd: home })).rejects.toMatchObject({
      code: "VALIDATION_ERROR",
      details: { field: "workdir" },
    });
    await expect(store.read("GEMINI", `${GEMINI_ID.slice(0, 8)}-0000`)).rejects.toMatchObject({
      code: "NATIVE_SESSION_NOT_FOUND",
    });
  });

  it("reads Claude Code logs per project, skipping sub-agent, meta and broken lines", async () => {
    const dir = join(home, ".claude/projects/-w-app");
    await mkdir(dir, { recursive: true });
    const records = jsonl(
      { type: "user", isMeta: true, cwd: "/w/app", message: { role: "user", content: "<caveat>" } },
      {
        type: "user",
        uuid: "u1",
        timestamp: "2026-01-01T00:00:00.000Z",
        cwd: "/w/app",
        message: { role: "user", content: "hello" },
      },
      {
        type: "assistant",
        isSidechain: true,
        message: { role: "assistant", content: [{ type: "text", text: "sub" }] },
      },
      {
        type: "assistant",
        uuid: "a1",
        timestamp: "2026-01-01T00:00:01.000Z",
        message: {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hm" },
            { type: "text", text: "hi" },
          ],
        },
      },
    );
    // A broken line and a torn last line (a CLI that crashed mid-write) are skipped.
    await writeFile(join(dir, `${CLAUDE_ID}.jsonl`), `${records}not json\n{"type":"user","mess`);
    const { summary, messages } = await store.read("CLAUDE_CODE", CLAUDE_ID);
    expect(summary).toMatchObject({
      cwd: "/w/app",
      workspace_path: "/w/app",
      created_at: "2026-01-01T00:00:00.000Z",
    });
    expect(messages).toEqual([
      { id: "u1", timestamp: "2026-01-01T00:00:00.000Z", type: "user", content: "hello" },
      { id: "a1-0", timestamp: "2026-01-01T00:00:01.000Z", type: "thinking", content: "hm" },
      { id: "a1-1", timestamp: "2026-01-01T00:00:01.000Z", type: "text", content: "hi" },
    ]);
    expect((await store.list("CLAUDE_CODE", { workspacePath: "/w/app", offset: 0, limit: 5 })).total).toBe(1);
    expect((await store.list("CLAUDE_CODE", { workspacePath: "/w", offset: 0, limit: 5 })).total).toBe(0);
  });

  it("never follows a link out of the data directory and refuses ids that are not session ids", async () => {
    const outside = join(home, "secret");
    await mkdir(outside);
    await writeFile(
      join(outside, `${CLAUDE_ID}.jsonl`),
      jsonl({ type: "user", message: { content: "secret" } }),
    );
    await mkdir(join(home, ".claude/projects"), { recursive: true });
    await symlink(outside, join(home, ".claude/projects/-linked"));
    await mkdir(join(home, ".claude/projects/-w"), { recursive: true });
    await symlink(
      join(outside, `${CLAUDE_ID}.jsonl`),
      join(home, ".claude/projects/-w/22222222-2222-4222-8222-222222222222.jsonl"),
    );
    expect((await store.list("CLAUDE_CODE", { offset: 0, limit: 10 })).total).toBe(0);
    await expect(store.read("CLAUDE_CODE", CLAUDE_ID)).rejects.toMatchObject({
      code: "NATIVE_SESSION_NOT_FOUND",
    });
    await expect(store.read("CLAUDE_CODE", "22222222-2222-4222-8222-222222222222")).rejects.toMatchObject({
      code: "NATIVE_SESSION_NOT_FOUND",
    });
    for (const bad of ["../secret", "..", "a/b", "a.jsonl", "", "x".repeat(200)])
      await expect(store.read("CLAUDE_CODE", bad)).rejects.toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("pages newest first and honours CLAUDE_CONFIG_DIR / CODEX_HOME", async () => {
    const moved = join(home, "elsewhere");
    store = createNativeSessionStore({ home, env: { CLAUDE_CONFIG_DIR: moved } });
    const dir = join(moved, "projects/-w");
    await mkdir(dir, { recursive: true });
    const ids = [
      "00000000-0000-4000-8000-00000000000a",
      "00000000-0000-4000-8000-00000000000b",
      "00000000-0000-4000-8000-00000000000c",
    ];
    for (const [i, id] of ids.entries()) {
      const path = join(dir, `${id}.jsonl`);
      await writeFile(path, jsonl({ type: "user", cwd: "/w", message: { role: "user", content: `n${i}` } }));
      const { utimes } = await import("node:fs/promises");
      await utimes(path, 1_700_000_000 + i, 1_700_000_000 + i);
    }
    const first = await store.list("CLAUDE_CODE", { offset: 0, limit: 2 });
    expect(first.total).toBe(3);
    expect(first.sessions.map((s) => s.name)).toEqual(["n2", "n1"]);
    expect((await store.list("CLAUDE_CODE", { offset: 2, limit: 2 })).sessions.map((s) => s.name)).toEqual([
      "n0",
    ]);
  });
});
